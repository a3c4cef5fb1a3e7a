using System.Net;
using System.Text;
using System.Threading.Channels;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Longshore.Kube;

namespace Longshore.Operator;

/// <summary>
/// Keeps the webhook's TLS Secret, as Kyverno and Gatekeeper do, in every replica: creates it when missing (a replica
/// that loses the race reads what the winner wrote), renews and rotates it as <see cref="CertificateRenewalPlanner"/>
/// decides, serves whatever the Secret holds now, and writes its CA bundle into the webhook configurations whenever
/// their caBundle differs. Wakes on any change of the Secret or of either configuration (single-object watches), and at
/// the plan's next check.
/// </summary>
public sealed class WebhookCertificateRenewal(
    IKubernetes client,
    OperatorOptions options,
    WebhookCertificate served,
    TimeProvider time,
    ILogger<WebhookCertificateRenewal> logger) : BackgroundService
{
    /// <summary>The longest sleep between passes when nothing changes (timers cannot wait for months).</summary>
    private static readonly TimeSpan LongestWait = TimeSpan.FromHours(6);

    private static readonly Backoff FailureBackoff = new(TimeSpan.FromMilliseconds(500), TimeSpan.FromMinutes(1));

    private readonly string _secretName = options.WebhookCertificateSecret ?? throw new InvalidOperationException("no webhook certificate Secret to keep");
    private readonly WebhookServingNames _names = WebhookServingNames.For(options);
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var secrets = new Informer<V1Secret>(new SecretClient(client, options.Namespace), ByName(_secretName), logger, time);
        var validating = new Informer<V1ValidatingWebhookConfiguration>(new CustomResourceClient<V1ValidatingWebhookConfiguration>(client), ByName(options.ValidatingWebhookName), logger, time);
        var mutating = new Informer<V1MutatingWebhookConfiguration>(new CustomResourceClient<V1MutatingWebhookConfiguration>(client), ByName(options.MutatingWebhookName), logger, time);
        secrets.OnEvent((_, _) => Wake());
        validating.OnEvent((_, _) => Wake());
        mutating.OnEvent((_, _) => Wake());
        var watches = Task.WhenAll(secrets.RunAsync(stoppingToken), validating.RunAsync(stoppingToken), mutating.RunAsync(stoppingToken));

        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                var next = await PassAsync(stoppingToken);
                failures = 0;
                wait = next - time.GetUtcNow();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is HttpOperationException or HttpRequestException or KubernetesException or IOException)
            {
                failures++;
                wait = FailureBackoff.Delay(failures);
                logger.LogWarning("Webhook certificate pass failed ({Error}); retrying in {Delay}", e.Message, wait);
            }

            await WaitAsync(wait, stoppingToken);
        }

        await watches;
    }

    /// <summary>One look at the Secret and the configurations; returns when to look again if nothing wakes it earlier.</summary>
    public async Task<DateTimeOffset> PassAsync(CancellationToken cancellationToken)
    {
        // A few rounds at most: a write that loses to another replica is followed by a read of what that replica wrote.
        for (var round = 0; ; round++)
        {
            var secret = await ReadSecretAsync(cancellationToken);
            var material = WebhookTlsMaterial.FromSecretData(secret?.Data);
            if (secret is not null && material is null)
            {
                logger.LogWarning("Secret {Namespace}/{Secret} does not hold a usable CA and webhook certificate; replacing it", options.Namespace, _secretName);
            }

            var now = time.GetUtcNow();
            var plan = CertificateRenewalPlanner.Plan(material?.Facts(_names), now, options.CertificateLifetimes);
            if (plan.Step != CertificateRenewalStep.None && round < 5)
            {
                var renewed = material is null
                    ? WebhookTlsMaterial.Create(_names, now, options.CertificateLifetimes)
                    : material.Apply(plan.Step, _names, now, options.CertificateLifetimes);
                if (await WriteSecretAsync(secret, renewed, cancellationToken))
                {
                    logger.LogInformation(
                        "Webhook certificate Secret {Namespace}/{Secret}: {Step}; serving certificate valid until {NotAfter:o}",
                        options.Namespace,
                        _secretName,
                        plan.Step,
                        renewed.Serving.NotAfter.ToUniversalTime());
                }

                continue;
            }

            if (material is null)
            {
                throw new KubernetesException($"Secret {options.Namespace}/{_secretName} kept changing under the operator");
            }

            Serve(material);
            var bundle = Encoding.UTF8.GetBytes(material.TrustBundlePem);
            await InjectAsync<V1ValidatingWebhookConfiguration>(options.ValidatingWebhookName, c => (c.Webhooks ?? []).Select(w => (w.Name, w.ClientConfig?.CaBundle)), bundle, cancellationToken);
            await InjectAsync<V1MutatingWebhookConfiguration>(options.MutatingWebhookName, c => (c.Webhooks ?? []).Select(w => (w.Name, w.ClientConfig?.CaBundle)), bundle, cancellationToken);
            return plan.NextCheck;
        }
    }

    private static ListOptions ByName(string name) => new(FieldSelector: $"metadata.name={name}");

    private void Wake() => _wake.Writer.TryWrite(true);

    private async Task WaitAsync(TimeSpan wait, CancellationToken stoppingToken)
    {
        var bounded = wait < TimeSpan.Zero ? TimeSpan.Zero : wait > LongestWait ? LongestWait : wait;
        using var timeout = new CancellationTokenSource(bounded, time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, timeout.Token);
        try
        {
            await _wake.Reader.ReadAsync(either.Token);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task<V1Secret?> ReadSecretAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await client.CoreV1.ReadNamespacedSecretAsync(_secretName, options.Namespace, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Creates or replaces (at the version read) the Secret; false when another replica wrote first.</summary>
    private async Task<bool> WriteSecretAsync(V1Secret? existing, WebhookTlsMaterial material, CancellationToken cancellationToken)
    {
        try
        {
            if (existing is null)
            {
                await client.CoreV1.CreateNamespacedSecretAsync(
                    new V1Secret
                    {
                        Metadata = new V1ObjectMeta
                        {
                            Name = _secretName,
                            NamespaceProperty = options.Namespace,
                            Labels = new Dictionary<string, string> { ["app.kubernetes.io/name"] = "longshore-operator", ["app.kubernetes.io/component"] = "webhook-certificate" },
                        },
                        Type = "kubernetes.io/tls",
                        Data = material.ToSecretData(),
                    },
                    options.Namespace,
                    cancellationToken: cancellationToken);
            }
            else
            {
                existing.Data = material.ToSecretData();
                existing.StringData = null;
                await client.CoreV1.ReplaceNamespacedSecretAsync(existing, _secretName, options.Namespace, cancellationToken: cancellationToken);
            }

            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            logger.LogDebug("Secret {Namespace}/{Secret} was written by another replica first; reading it", options.Namespace, _secretName);
            return false;
        }
    }

    private void Serve(WebhookTlsMaterial material)
    {
        if (served.Certificate?.Thumbprint == material.Serving.Thumbprint && served.CertificatePem == material.TrustBundlePem)
        {
            return;
        }

        served.Serve(material.ServingWithKey(), material.TrustBundlePem);
        logger.LogInformation("Webhook serves certificate {Thumbprint}, valid until {NotAfter:o}", material.Serving.Thumbprint, material.Serving.NotAfter.ToUniversalTime());
    }

    /// <summary>Writes <paramref name="bundle"/> into the caBundle of each webhook of configuration <paramref name="name"/> that lacks it.</summary>
    private async Task InjectAsync<T>(string name, Func<T, IEnumerable<(string Name, byte[]? CaBundle)>> webhooks, byte[] bundle, CancellationToken cancellationToken)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        var configurations = new CustomResourceClient<T>(client);
        if (await configurations.GetAsync(null, name, cancellationToken) is not { } configuration)
        {
            logger.LogDebug("{Kind} {Name} does not exist (yet)", typeof(T).Name, name);
            return;
        }

        if (WebhookCaBundle.Patch(webhooks(configuration).ToList(), bundle) is { } patch)
        {
            await configurations.PatchAsync(null, name, new V1Patch(patch.ToJsonString(), V1Patch.PatchType.JsonPatch), cancellationToken);
            logger.LogInformation("CA bundle written into {Kind} {Name}", typeof(T).Name, name);
        }
    }
}
