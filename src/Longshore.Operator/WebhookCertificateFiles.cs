using System.Security.Cryptography;

namespace Longshore.Operator;

/// <summary>
/// With <c>--webhook-cert-dir</c>: reloads tls.crt and tls.key when their content changes (a mounted Secret is
/// updated in place by the kubelet when cert-manager renews it), so the webhook serves the new certificate without a
/// restart. Polls rather than watching the folder: the kubelet swaps a symlink, which file watchers see unreliably.
/// </summary>
public sealed class WebhookCertificateFiles(OperatorOptions options, WebhookCertificate served, TimeProvider time, ILogger<WebhookCertificateFiles> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var directory = options.WebhookCertificateDirectory ?? throw new InvalidOperationException("no webhook certificate folder to watch");
        var seen = Fingerprint(directory);
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var now = Fingerprint(directory);
                if (now.AsSpan().SequenceEqual(seen))
                {
                    continue;
                }

                var (certificate, trust) = WebhookCertificate.ReadFolder(directory);
                served.Serve(certificate, trust);
                seen = now;
                logger.LogInformation("Webhook certificate reloaded from {Directory}: {Subject}, valid until {NotAfter:o}", directory, certificate.Subject, certificate.NotAfter.ToUniversalTime());
            }
            catch (Exception e) when (e is IOException or CryptographicException or ArgumentException or UnauthorizedAccessException)
            {
                // A half-written update: the next tick sees the whole one.
                logger.LogWarning("Webhook certificate in {Directory} could not be loaded ({Error}); still serving the previous one", directory, e.Message);
            }
        }
    }

    private static byte[] Fingerprint(string directory)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var name in new[] { "tls.crt", "tls.key", "ca.crt" })
        {
            var path = Path.Combine(directory, name);
            if (File.Exists(path))
            {
                hash.AppendData(File.ReadAllBytes(path));
            }
        }

        return hash.GetHashAndReset();
    }
}
