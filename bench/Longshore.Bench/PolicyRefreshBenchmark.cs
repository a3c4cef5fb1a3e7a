using System.Diagnostics;
using k8s;
using k8s.Models;
using Longshore.Api;
using Longshore.Kube;
using Longshore.Operator;
using Longshore.TestBed;

namespace Longshore.Bench;

/// <summary>
/// ImagePolicy refreshes against a real registry and kube-apiserver: P policies of I images each (overlapping, over
/// 2×I distinct tags), all refreshed at once through the refresh annotation. Counts the registry requests per refresh
/// (through a counting relay) with nothing moved and with one tag moved, and times each refresh until every policy's
/// status has handled it.
/// </summary>
public sealed class PolicyRefreshBenchmark(int policies, int imagesPerPolicy, TextWriter output)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var api = await KubeApiServer.StartAsync(cancellationToken);
        await using var registry = await RegistryServer.StartAsync(cancellationToken: cancellationToken);
        await using var proxy = new CountingRegistryProxy(registry.Host);
        await api.InstallCrdsAsync(KubeApiServer.RepositoryFile("config/crd/bases"), cancellationToken);
        using var admin = api.CreateClient();
        await admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "longshore-system" } }, cancellationToken: cancellationToken);

        var distinct = 2 * imagesPerPolicy;
        output.WriteLine($"publishing {distinct} images");
        await Parallel.ForEachAsync(Enumerable.Range(0, distinct), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (i, ct) =>
            await PublishAsync(registry, i, "1", ct));

        var operatorOptions = new OperatorOptions { Namespace = "longshore-system", ListenAddress = "127.0.0.1", MetricsPort = FreePort.Next(), WebhookPort = FreePort.Next(), LeaderElection = false };
        await using var app = OperatorHost.Build(operatorOptions, api.CreateClient());
        await app.StartAsync(cancellationToken);
        var client = new CustomResourceClient<V1Alpha1ImagePolicy>(admin);

        // Policy p follows images p*(2I/P) … +I-1 (mod 2I): neighbours share half their images.
        var step = Math.Max(1, distinct / policies);
        var stopwatch = Stopwatch.StartNew();
        for (var p = 0; p < policies; p++)
        {
            var images = Enumerable.Range(0, imagesPerPolicy).Select(j => new PolicyImage { Repository = $"{proxy.Host}/bench/app{(p * step + j) % distinct}", Tag = "1" }).ToList();
            await client.CreateAsync(new V1Alpha1ImagePolicy { Metadata = new V1ObjectMeta { Name = $"policy-{p}", NamespaceProperty = "default" }, Spec = new ImagePolicySpec { Images = images } }, cancellationToken);
        }

        await WaitAsync(client, p => p.Status?.Locks?.Count == imagesPerPolicy, cancellationToken);
        var used = Enumerable.Range(0, policies).SelectMany(p => Enumerable.Range(0, imagesPerPolicy).Select(j => (p * step + j) % distinct)).Distinct().Count();
        output.WriteLine($"{policies} policies x {imagesPerPolicy} images ({used} distinct tags) locked in {stopwatch.Elapsed.TotalSeconds:F2} s; registry requests: {Format(proxy.Snapshot())}");

        for (var round = 1; round <= 3; round++)
        {
            // Past the refresh window, so each round asks the registry rather than reading the last round's answers.
            await Task.Delay(operatorOptions.PolicyRefreshWindow, cancellationToken);
            await RefreshAsync(client, proxy, $"unchanged-{round}", "nothing moved", used, cancellationToken);
        }

        await PublishAsync(registry, 0, "1", cancellationToken, content: "moved");
        await Task.Delay(operatorOptions.PolicyRefreshWindow, cancellationToken);
        await RefreshAsync(client, proxy, "moved", "app0:1 moved", used, cancellationToken);
        var moved = (await client.ListAsync(new ListOptions(), cancellationToken)).Items.Count(p => p.Status?.Locks?.Any(l => l.PreviousDigest is not null) == true);
        output.WriteLine($"locks moved in {moved} policies (those following app0)");
    }

    private static async Task PublishAsync(RegistryServer registry, int index, string tag, CancellationToken cancellationToken, string content = "")
    {
        var image = new TestImageBuilder().WithFile("bench", $"{index}{content}").Build();
        await Skopeo.PublishAsync(image, registry, $"bench/app{index}:{tag}", cancellationToken);
    }

    private static string Format(IReadOnlyDictionary<string, long> counts) =>
        counts.Count == 0 ? "none" : string.Join(", ", counts.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} {kv.Value}"));

    private static async Task WaitAsync(CustomResourceClient<V1Alpha1ImagePolicy> client, Func<V1Alpha1ImagePolicy, bool> done, CancellationToken cancellationToken)
    {
        while (true)
        {
            var list = await client.ListAsync(new ListOptions(), cancellationToken);
            if (list.Items.Count > 0 && list.Items.All(done))
            {
                return;
            }

            await Task.Delay(20, cancellationToken);
        }
    }

    private async Task RefreshAsync(CustomResourceClient<V1Alpha1ImagePolicy> client, CountingRegistryProxy proxy, string request, string what, int distinctTags, CancellationToken cancellationToken)
    {
        var before = proxy.Snapshot();
        var stopwatch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, policies), cancellationToken, async (p, ct) =>
            await client.PatchAsync("default", $"policy-{p}", new { metadata = new { annotations = new Dictionary<string, string> { [PolicyRefresh.Annotation] = request } } }, ct));
        await WaitAsync(client, p => p.Status?.LastHandledRefreshRequest == request, cancellationToken);
        var elapsed = stopwatch.Elapsed;
        var after = proxy.Snapshot();
        var delta = after.ToDictionary(kv => kv.Key, kv => kv.Value - before.GetValueOrDefault(kv.Key), StringComparer.Ordinal).Where(kv => kv.Value > 0).ToDictionary();
        var heads = delta.GetValueOrDefault("HEAD manifests");
        var gets = delta.GetValueOrDefault("GET manifests");
        output.WriteLine($"refresh ({what}): {elapsed.TotalMilliseconds:F0} ms for {policies} policies; registry requests: {Format(delta)}; HEAD per distinct tag {(double)heads / distinctTags:F2}, manifest GETs {gets}");
    }
}
