using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Security.Cryptography.X509Certificates;
using k8s;
using k8s.Models;
using Longshore.Api;
using Longshore.Kube;
using Longshore.Operator;
using Longshore.TestBed;

namespace Longshore.Bench;

/// <summary>
/// The Pin webhook under load: the operator runs as its own process against a real kube-apiserver holding 20 Pin
/// policies of 10 locked images each, and this process sends it AdmissionReviews of a three-container Pod over TLS
/// (kept-alive connections, as the API server keeps them) at a fixed rate, open loop: each latency is measured from the
/// moment its request was due, so a stall shows in the tail instead of slowing the sender, and from the moment it was
/// sent, which leaves out the sender's tick. Prints p50, p99 and max of both, the rate reached, and the operator's CPU (from /proc, its process alone) and RSS during the run.
/// </summary>
public sealed class PinWebhookBenchmark(int rate, TimeSpan duration, TextWriter output)
{
    private const int Policies = 20;
    private const int ImagesPerPolicy = 10;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var api = await KubeApiServer.StartAsync(cancellationToken);
        await api.InstallCrdsAsync(KubeApiServer.RepositoryFile("config/crd/bases"), cancellationToken);
        using var admin = api.CreateClient();
        await admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "longshore-system" } }, cancellationToken: cancellationToken);
        await admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "bench" } }, cancellationToken: cancellationToken);
        var policies = new CustomResourceClient<V1Alpha1ImagePolicy>(admin);
        for (var p = 0; p < Policies; p++)
        {
            var images = Enumerable.Range(0, ImagesPerPolicy).Select(i => $"registry.example/team{p}/app{i}").ToList();
            await policies.CreateAsync(
                new V1Alpha1ImagePolicy
                {
                    Metadata = new V1ObjectMeta { Name = $"policy-{p:D2}", NamespaceProperty = "bench" },
                    Spec = new ImagePolicySpec { Mode = "Pin", Images = images.Select(i => new PolicyImage { Repository = i, Tag = "1" }).ToList() },
                },
                cancellationToken);
            await policies.PatchStatusAsync("bench", $"policy-{p:D2}", new { status = new { locks = images.Select(i => new { image = i, tag = "1", digest = Digest(i) }).ToArray() } }, cancellationToken);
        }

        // The operator serves this certificate, so the load generator checks the one it is shown against it.
        using var certificates = TempDirectory.Create("longshore-bench-cert");
        (await ProcessRunner.RunAsync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=longshore-webhook", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", certificates.Combine("tls.key"), "-out", certificates.Combine("tls.crt")], cancellationToken: cancellationToken)).EnsureSuccess();
        using var served = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(certificates.Combine("tls.crt"), cancellationToken));
        var thumbprint = served.GetCertHashString();
        var metricsPort = FreePort.Next();
        var webhookPort = FreePort.Next();
        var operatorDll = Path.Combine(AppContext.BaseDirectory, "longshore-operator.dll");
        await using var operatorProcess = ServiceProcess.Start("dotnet", [
            operatorDll, "--kubeconfig", api.KubeconfigPath, "--namespace", "longshore-system", "--listen-address", "127.0.0.1",
            "--metrics-port", metricsPort.ToString(CultureInfo.InvariantCulture), "--webhook-port", webhookPort.ToString(CultureInfo.InvariantCulture),
            "--no-leader-election", "--log-level", "warning", "--webhook-cert-dir", certificates.Path,
        ]);
        using var probe = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{metricsPort}") };
        await operatorProcess.WaitUntilAsync(async ct => (await probe.GetAsync(new Uri("/readyz", UriKind.Relative), ct)).IsSuccessStatusCode, TimeSpan.FromSeconds(60), cancellationToken);

        using var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 32,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.GetCertHashString() == thumbprint },
        };
        using var client = new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{webhookPort}"), Timeout = TimeSpan.FromSeconds(10) };
        var body = Encoding.UTF8.GetBytes(Review());

        // Warm: the lock cache holds the last policy's locks and the connections are open.
        var warm = Stopwatch.StartNew();
        while (!(await SendAsync(client, body, cancellationToken)).Contains("\"patch\"", StringComparison.Ordinal))
        {
            if (warm.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new TimeoutException("the Pin webhook never answered with a patch");
            }

            await Task.Delay(100, cancellationToken);
        }

        await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => SendAsync(client, body, cancellationToken)));

        var total = (int)(rate * duration.TotalSeconds);
        var fromDue = new double[total];
        var fromSend = new double[total];
        var failures = 0;
        using var measured = Process.GetProcessById(operatorProcess.Id);
        var cpuBefore = measured.TotalProcessorTime;
        var interval = Stopwatch.Frequency / (double)rate;
        var requests = new Task[total];
        long peakRss = 0;
        var start = Stopwatch.GetTimestamp();

        // The sender is one thread that sleeps a millisecond at a time and starts every request that has come due:
        // it never spins, so it leaves the operator the cores it would otherwise take from it.
        var sender = new Thread(() =>
        {
            for (var i = 0; i < total;)
            {
                var now = Stopwatch.GetTimestamp();
                for (; i < total && start + (long)(i * interval) <= now; i++)
                {
                    requests[i] = SendTimedAsync(i, start + (long)(i * interval));
                    if (i % rate == 0)
                    {
                        peakRss = Math.Max(peakRss, ProcessSampler.Rss(operatorProcess.Id));
                    }
                }

                Thread.Sleep(1);
            }
        })
        { IsBackground = true, Name = "pin-load" };
        sender.Start();
        sender.Join();
        await Task.WhenAll(requests);
        var elapsed = Stopwatch.GetElapsedTime(start);
        measured.Refresh();
        var cpuSeconds = (measured.TotalProcessorTime - cpuBefore).TotalSeconds;
        Array.Sort(fromDue);
        Array.Sort(fromSend);
        output.WriteLine($"Pin webhook over TLS: {total} AdmissionReviews (Pod with 3 containers, 2 pinned; {Policies} Pin policies x {ImagesPerPolicy} locked images) at {rate}/s for {duration.TotalSeconds:F0} s");
        output.WriteLine($"  sent at {total / elapsed.TotalSeconds:F0}/s, failures {failures}");
        output.WriteLine($"  latency from send: p50 {Percentile(fromSend, 0.50):F2} ms, p99 {Percentile(fromSend, 0.99):F2} ms, max {fromSend[^1]:F2} ms");
        output.WriteLine($"  latency from due (with the sender's up to 1 ms tick): p50 {Percentile(fromDue, 0.50):F2} ms, p99 {Percentile(fromDue, 0.99):F2} ms, max {fromDue[^1]:F2} ms");
        output.WriteLine($"  operator CPU {cpuSeconds / elapsed.TotalSeconds * 100:F0}% of one core ({cpuSeconds:F2} s over {elapsed.TotalSeconds:F1} s), peak RSS {peakRss / 1048576} MiB");

        async Task SendTimedAsync(int index, long due)
        {
            var sent = Stopwatch.GetTimestamp();
            try
            {
                var answer = await SendAsync(client, body, cancellationToken);
                if (!answer.Contains("\"patch\"", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref failures);
                }
            }
            catch (HttpRequestException)
            {
                Interlocked.Increment(ref failures);
            }

            fromSend[index] = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
            fromDue[index] = Stopwatch.GetElapsedTime(due).TotalMilliseconds;
        }
    }

    private static async Task<string> SendAsync(HttpClient client, byte[] body, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var response = await client.PostAsync(new Uri("/pin", UriKind.Relative), content, cancellationToken);
        return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadAsStringAsync(cancellationToken) : string.Empty;
    }

    private static string Digest(string image) => Oci.Digest.Compute(Encoding.UTF8.GetBytes(image)).ToString();

    /// <summary>A ReplicaSet's Pod: its image is one of the last policy's (the team19 images), the proxy is under no policy.</summary>
    private static string Review() => """
        {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"0b1e6c4e-bench","kind":{"group":"","version":"v1","kind":"Pod"},
        "resource":{"group":"","version":"v1","resource":"pods"},"namespace":"bench","operation":"CREATE","userInfo":{"username":"system:serviceaccount:kube-system:replicaset-controller"},
        "object":{"apiVersion":"v1","kind":"Pod","metadata":{"generateName":"web-7d9f-","namespace":"bench","labels":{"app":"web"}},
        "spec":{"initContainers":[{"name":"migrate","image":"registry.example/team19/app3:1"}],
        "containers":[{"name":"web","image":"registry.example/team19/app3:1","ports":[{"containerPort":8080}]},{"name":"proxy","image":"docker.io/library/envoy:v1.30"}]}}}}
        """;

    private static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
