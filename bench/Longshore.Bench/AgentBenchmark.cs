using System.Diagnostics;
using System.Globalization;
using k8s;
using k8s.Models;
using Longshore.Api;
using Longshore.Kube;
using Longshore.Operator;
using Longshore.Runtime;
using Longshore.TestBed;

namespace Longshore.Bench;

/// <summary>
/// Pre-pulling a large multi-layer image through the agent (CRI, real containerd) beside <c>ctr images pull</c> of the
/// same image on the same containerd; the agent's idle and peak RSS (a separate process); apply → Ready time.
/// </summary>
public sealed class AgentBenchmark(int layers, int layerMegabytes, TextWriter output)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var api = await KubeApiServer.StartAsync(cancellationToken);
        await using var registry = await RegistryServer.StartAsync(cancellationToken: cancellationToken);
        await using var containerd = await ContainerdServer.StartAsync([registry.Host], cancellationToken);
        var builder = new TestImageBuilder();
        for (var i = 0; i < layers; i++)
        {
            builder = builder.WithRandomLayer(layerMegabytes * 1024 * 1024, 2000 + i);
        }

        var image = builder.Build();
        await Skopeo.PublishAsync(image, registry, "bench/big:1", cancellationToken);
        var reference = registry.Reference("bench/big:1");
        output.WriteLine($"published {reference}: {layers} layers, {image.TotalSize / 1e6:F0} MB compressed");

        var keptSnapshots = 0;
        async Task<int> CountSnapshots() =>
            (await containerd.CtrAsync(["snapshots", "--snapshotter", "native", "ls"], cancellationToken)).EnsureSuccess().StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length - 1;

        async Task Forget()
        {
            await containerd.CtrAsync(["images", "rm", "--sync", reference, $"{registry.Reference("bench/big")}@{image.ManifestDigest}", image.ConfigDigest.ToString()], cancellationToken);
            // Every contender starts from nothing: a blob or snapshot left behind would let the next one skip work.
            var content = (await containerd.CtrAsync(["content", "ls", "-q"], cancellationToken)).EnsureSuccess().StandardOutput;
            var leftBlobs = image.Layers.Count(l => content.Contains(l.Digest.ToString(), StringComparison.Ordinal));
            var leftSnapshots = await CountSnapshots() - keptSnapshots;
            if (leftBlobs > 0 || leftSnapshots > 0)
            {
                throw new InvalidOperationException($"containerd still holds {leftBlobs} layer blob(s) and {leftSnapshots} snapshot(s) of the benchmark image after removing it");
            }
        }

        var ctr = Stopwatch.StartNew();
        (await containerd.CtrAsync(["images", "pull", "--plain-http", "--snapshotter", "native", reference], cancellationToken)).EnsureSuccess();
        var ctrUnlimited = ctr.Elapsed.TotalSeconds;
        await Forget();


        await Forget();
        await api.InstallCrdsAsync(KubeApiServer.RepositoryFile("config/crd/bases"), cancellationToken);
        using var admin = api.CreateClient();
        await admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "longshore-system" } }, cancellationToken: cancellationToken);
        await admin.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = "bench-node", Labels = new Dictionary<string, string> { ["bench"] = "yes" } } }, cancellationToken: cancellationToken);
        var operatorOptions = new OperatorOptions { Namespace = "longshore-system", ListenAddress = "127.0.0.1", MetricsPort = FreePort.Next(), WebhookPort = FreePort.Next(), LeaderElection = false };
        await using var operatorApp = OperatorHost.Build(operatorOptions, api.CreateClient());
        await operatorApp.StartAsync(cancellationToken);

        // A separate process, as on a node; stopped however the run ends.
        var agentDll = Path.Combine(AppContext.BaseDirectory, "longshore-agent.dll");
        await using var agentService = ServiceProcess.Start("dotnet", [agentDll, "--kubeconfig", api.KubeconfigPath, "--node", "bench-node", "--runtime-socket", containerd.SocketPath, "--listen-address", "127.0.0.1", "--metrics-port", FreePort.Next().ToString(CultureInfo.InvariantCulture)]);
        using var agent = Process.GetProcessById(agentService.Id);
        await Task.Delay(TimeSpan.FromSeconds(8), cancellationToken);
        agent.Refresh();
        var idle = agent.WorkingSet64;
        var idleAnonymous = AnonymousBytes(agent.Id);
        long peak = idle;
        var prePulls = new CustomResourceClient<V1Alpha1ImagePrePull>(admin);

        // A small pre-pull first, so the figure is the agent's steady state rather than its first-call warm-up.
        var small = new TestImageBuilder().WithFile("warm", "up").Build();
        await Skopeo.PublishAsync(small, registry, "bench/small:1", cancellationToken);
        await prePulls.CreateAsync(new V1Alpha1ImagePrePull
        {
            Metadata = new V1ObjectMeta { Name = "warmup", NamespaceProperty = "default" },
            Spec = new ImagePrePullSpec { Images = [registry.Reference("bench/small:1")], NodeSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["bench"] = "yes" } } },
        }, cancellationToken);
        var warmup = Stopwatch.StartNew();
        while (!Conditions.IsTrue((await prePulls.GetAsync("default", "warmup", cancellationToken))?.Status?.Conditions, "Ready"))
        {
            await Task.Delay(20, cancellationToken);
        }

        keptSnapshots = await CountSnapshots();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"warm-up pre-pull of a small image       {warmup.Elapsed.TotalSeconds:F2} s"));

        // Watch the NodeImage and the ImagePrePulls so each round can be split into its stages without polling.
        var nodeImages = new CustomResourceClient<V1Alpha1NodeImage>(admin);
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var nodeInformer = new Informer<V1Alpha1NodeImage>(nodeImages, new ListOptions(FieldSelector: "metadata.name=bench-node"));
        var prePullInformer = new Informer<V1Alpha1ImagePrePull>(prePulls);
        var round = new RoundTimes(reference);
        nodeInformer.OnEvent((_, nodeImage) => round.Observe(nodeImage));
        prePullInformer.OnEvent((_, prePull) => round.Observe(prePull));
        var informers = Task.WhenAll(nodeInformer.RunAsync(watching.Token), prePullInformer.RunAsync(watching.Token));
        await Task.WhenAll(nodeInformer.Synced, prePullInformer.Synced);

        // Alternate the contenders and flush dirty pages in between: on a small machine the writeback of one
        // 566 MB pull otherwise lands on whoever runs next. ctr is told to use CRI's snapshotter and download
        // concurrency, so both do the same work on the same containerd.
        await using var criRuntime = new CriImageRuntime(containerd.SocketPath);
        var ctrRuns = new List<double>();
        var criRuns = new List<double>();
        var rounds = new List<RoundTimes>();
        for (var i = 0; i < 3; i++)
        {
            await ProcessRunner.RunAsync("sync", [], cancellationToken: cancellationToken);
            var timer = Stopwatch.StartNew();
            (await containerd.CtrAsync(["images", "pull", "--plain-http", "--snapshotter", "native", "--max-concurrent-downloads", "3", reference], cancellationToken)).EnsureSuccess();
            ctrRuns.Add(timer.Elapsed.TotalSeconds);
            await Forget();
            await ProcessRunner.RunAsync("sync", [], cancellationToken: cancellationToken);

            timer.Restart();
            await criRuntime.PullAsync(reference, null, cancellationToken);
            criRuns.Add(timer.Elapsed.TotalSeconds);
            await Forget();
            await ProcessRunner.RunAsync("sync", [], cancellationToken: cancellationToken);

            var name = $"big-{i}";
            round = new RoundTimes(reference) { PrePullName = name };
            round.Start();
            await prePulls.CreateAsync(new V1Alpha1ImagePrePull
            {
                Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
                Spec = new ImagePrePullSpec { Images = [reference], NodeSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["bench"] = "yes" } } },
            }, cancellationToken);
            while (round.Ready is null)
            {
                agent.Refresh();
                peak = Math.Max(peak, agent.WorkingSet64);
                await Task.Delay(50, cancellationToken);
            }

            rounds.Add(round);
            await prePulls.DeleteAsync("default", name, cancellationToken);
            while ((await nodeImages.GetAsync(null, "bench-node", cancellationToken))?.Spec.Images?.Any(w => w.Reference == reference) == true)
            {
                await Task.Delay(50, cancellationToken);
            }

            await Forget();
        }

        await watching.CancelAsync();
        await informers;
        var ctrSeconds = Median(ctrRuns);
        var presentSeconds = Median(rounds.Select(r => r.Present!.Value));
        var readySeconds = Median(rounds.Select(r => r.Ready!.Value));
        await agentService.StopAsync();
        await operatorApp.StopAsync(cancellationToken);

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ctr images pull, all layers at once     {ctrUnlimited:F2} s"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ctr images pull, native, 3 at once      median {ctrSeconds:F2} s of {Join(ctrRuns)} (baseline)"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"CRI PullImage directly                  median {Median(criRuns):F2} s of {Join(criRuns)}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"apply → image present on the node        median {presentSeconds:F2} s of {Join(rounds.Select(r => r.Present!.Value))}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"apply → ImagePrePull Ready              median {readySeconds:F2} s of {Join(rounds.Select(r => r.Ready!.Value))}"));
        foreach (var r in rounds)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {r.PrePullName}: wanted {r.Wanted:F2} s, pulling {r.Pulling:F2} s, present {r.Present:F2} s, ready {r.Ready:F2} s"));
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio pre-pull via agent / ctr          {presentSeconds / ctrSeconds:F2} (target ≤ 1.10)"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio apply → Ready / ctr               {readySeconds / ctrSeconds:F2}"));
        output.WriteLine($"agent RSS idle / peak during the pull    {idle / 1048576} MiB / {peak / 1048576} MiB");
        output.WriteLine($"agent anonymous memory idle              {idleAnonymous / 1048576} MiB (the rest of RSS is mapped, shareable code)");
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    private static string Join(IEnumerable<double> values) => string.Join(", ", values.Select(v => v.ToString("F2", CultureInfo.InvariantCulture)));

    /// <summary>Anonymous (heap and stack) memory of a process: what it costs beyond the shareable mapped files.</summary>
    private static long AnonymousBytes(int pid) =>
        File.ReadLines($"/proc/{pid}/smaps_rollup")
            .Where(l => l.StartsWith("Anonymous:", StringComparison.Ordinal))
            .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024)
            .FirstOrDefault();
}
