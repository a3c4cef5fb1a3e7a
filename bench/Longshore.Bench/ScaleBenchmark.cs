using System.Diagnostics;
using k8s;
using k8s.Models;
using Longshore.Api;
using Longshore.Kube;
using Longshore.Operator;
using Longshore.TestBed;

namespace Longshore.Bench;

/// <summary>
/// The operator at scale on a real kube-apiserver: N Node objects, one ImagePrePull selecting all of them. Measures
/// fan-out time (until every NodeImage carries the wanted entries), the operator's API requests and peak RSS, then,
/// with the harness marking every NodeImage status Present, the time until the ImagePrePull is Ready.
/// </summary>
public sealed class ScaleBenchmark(ScaleBenchmarkOptions options, TextWriter output)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var api = await KubeApiServer.StartAsync(cancellationToken);
        await using var registry = await RegistryServer.StartAsync(cancellationToken: cancellationToken);
        await api.InstallCrdsAsync(KubeApiServer.RepositoryFile("config/crd/bases"), cancellationToken);
        using var admin = api.CreateClient();
        await admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "longshore-system" } }, cancellationToken: cancellationToken);
        var images = new List<string>();
        for (var i = 0; i < options.Images; i++)
        {
            var image = new TestImageBuilder().WithFile("bench", i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Build();
            await Skopeo.PublishAsync(image, registry, $"bench/app{i}:1", cancellationToken);
            images.Add(registry.Reference($"bench/app{i}:1"));
        }

        output.WriteLine($"creating {options.Nodes} Node objects");
        await Parallel.ForEachAsync(Enumerable.Range(0, options.Nodes), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (i, ct) =>
            await admin.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = $"node-{i:D5}", Labels = new Dictionary<string, string> { ["pool"] = "bench" } } }, cancellationToken: ct));

        var counter = new CountingHandler();
        var config = new KubernetesClientConfiguration { Host = api.Server.ToString(), AccessToken = api.Admin.Token, SkipTlsVerify = true };
        using var operatorClient = new Kubernetes(config, counter);
        var operatorOptions = new OperatorOptions { Namespace = "longshore-system", ListenAddress = "127.0.0.1", MetricsPort = FreePort.Next(), WebhookPort = FreePort.Next(), LeaderElection = false, Workers = 4 };
        await using var app = OperatorHost.Build(operatorOptions, operatorClient);
        await app.StartAsync(cancellationToken);
        using var process = Process.GetCurrentProcess();
        long peak = 0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                process.Refresh();
                peak = Math.Max(peak, process.WorkingSet64);
                await Task.Delay(50, CancellationToken.None);
            }
        }, CancellationToken.None);

        var prePulls = new CustomResourceClient<V1Alpha1ImagePrePull>(admin);
        var nodeImages = new CustomResourceClient<V1Alpha1NodeImage>(admin);
        var before = counter.Requests;
        var stopwatch = Stopwatch.StartNew();
        await prePulls.CreateAsync(
            new V1Alpha1ImagePrePull
            {
                Metadata = new V1ObjectMeta { Name = "fleet", NamespaceProperty = "default" },
                Spec = new ImagePrePullSpec { Images = images, NodeSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["pool"] = "bench" } }, Parallelism = options.Nodes },
            },
            cancellationToken);
        while (true)
        {
            var list = await nodeImages.ListAsync(new ListOptions(), cancellationToken);
            if (list.Items.Count(n => n.Spec.Images?.Count == options.Images) == options.Nodes)
            {
                break;
            }

            await Task.Delay(200, cancellationToken);
        }

        var fanOut = stopwatch.Elapsed;
        var fanOutRequests = counter.Requests - before;

        output.WriteLine("marking every NodeImage status Present (playing the agents)");
        var all = await nodeImages.ListAsync(new ListOptions(), cancellationToken);
        var marking = Stopwatch.StartNew();
        await Parallel.ForEachAsync(all.Items, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (node, ct) =>
            await nodeImages.PatchStatusAsync(null, node.Metadata.Name, new
            {
                status = new NodeImageStatus
                {
                    Images = node.Spec.Images!.Select(i => new NodeImageEntryStatus { Reference = i.Reference, Phase = ImagePhase.Present, Digest = i.Digest, Pinned = true }).ToList(),
                },
            }, ct));
        var marked = marking.Elapsed;
        while (true)
        {
            var fleet = await prePulls.GetAsync("default", "fleet", cancellationToken);
            if (Conditions.IsTrue(fleet?.Status?.Conditions, "Ready"))
            {
                break;
            }

            await Task.Delay(100, cancellationToken);
        }

        var ready = marking.Elapsed;
        var totalRequests = counter.Requests - before;
        await sampling.CancelAsync();
        await sampler;
        await app.StopAsync(cancellationToken);

        output.WriteLine();
        output.WriteLine($"nodes                                   {options.Nodes}");
        output.WriteLine($"images per node                         {options.Images}");
        output.WriteLine($"fan-out: apply → every NodeImage wants  {fanOut.TotalSeconds:F2} s (target ≤ 10 s)");
        output.WriteLine($"operator API requests during fan-out    {fanOutRequests} ({(double)fanOutRequests / options.Nodes:F2} per node)");
        output.WriteLine($"statuses marked Present by the harness  {marked.TotalSeconds:F2} s");
        output.WriteLine($"marked → ImagePrePull Ready             {ready.TotalSeconds:F2} s");
        output.WriteLine($"operator API requests, whole run        {totalRequests} ({(double)totalRequests / options.Nodes:F2} per node)");
        output.WriteLine($"peak RSS (harness + operator)           {peak / 1048576} MiB (target ≤ 200 MB)");
    }
}
