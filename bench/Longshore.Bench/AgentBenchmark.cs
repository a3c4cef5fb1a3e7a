using System.Diagnostics;
using System.Globalization;
using k8s;
using k8s.Models;
using Longshore.Api;
using Longshore.Kube;
using Longshore.Operator;
using Longshore.Runtime;
using Longshore.Testing;

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

        async Task Forget()
        {
            await containerd.CtrAsync(["images", "rm", "--sync", reference, $"{registry.Reference("bench/big")}@{image.ManifestDigest}", image.ConfigDigest.ToString()], cancellationToken);
        }

        var ctr = Stopwatch.StartNew();
        (await containerd.CtrAsync(["images", "pull", "--plain-http", reference], cancellationToken)).EnsureSuccess();
        var ctrUnlimited = ctr.Elapsed.TotalSeconds;
        await Forget();


        await using (var runtime = new CriImageRuntime(containerd.SocketPath))
        {
            var cri = Stopwatch.StartNew();
            await runtime.PullAsync(reference, null, cancellationToken);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"CRI PullImage directly                  {cri.Elapsed.TotalSeconds:F2} s"));
            await runtime.RemoveAsync(reference, cancellationToken);
        }

        await Forget();
        await api.InstallCrdsAsync(KubeApiServer.RepositoryFile("config/crd/bases"), cancellationToken);
        using var admin = api.CreateClient();
        await admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "longshore-system" } }, cancellationToken: cancellationToken);
        await admin.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = "bench-node", Labels = new Dictionary<string, string> { ["bench"] = "yes" } } }, cancellationToken: cancellationToken);
        var operatorOptions = new OperatorOptions { Namespace = "longshore-system", ListenAddress = "127.0.0.1", MetricsPort = FreePort.Next(), WebhookPort = FreePort.Next(), LeaderElection = false };
        await using var operatorApp = OperatorHost.Build(operatorOptions, api.CreateClient());
        await operatorApp.StartAsync(cancellationToken);

        var agentDll = Path.Combine(AppContext.BaseDirectory, "longshore-agent.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { agentDll, "--kubeconfig", api.KubeconfigPath, "--node", "bench-node", "--runtime-socket", containerd.SocketPath, "--listen-address", "127.0.0.1", "--metrics-port", FreePort.Next().ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        using var agent = Process.Start(start)!;
        _ = agent.StandardOutput.ReadToEndAsync(cancellationToken);
        _ = agent.StandardError.ReadToEndAsync(cancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(8), cancellationToken);
        agent.Refresh();
        var idle = agent.WorkingSet64;
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

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"warm-up pre-pull of a small image       {warmup.Elapsed.TotalSeconds:F2} s"));

        // Alternate the two contenders and flush dirty pages in between: on a small machine the writeback of one
        // 566 MB pull otherwise lands on whoever runs next.
        var nodeImages = new CustomResourceClient<V1Alpha1NodeImage>(admin);
        var ctrRuns = new List<double>();
        var agentRuns = new List<double>();
        for (var round = 0; round < 3; round++)
        {
            await ProcessRunner.RunAsync("sync", [], cancellationToken: cancellationToken);
            var timer = Stopwatch.StartNew();
            (await containerd.CtrAsync(["images", "pull", "--plain-http", "--max-concurrent-downloads", "3", reference], cancellationToken)).EnsureSuccess();
            ctrRuns.Add(timer.Elapsed.TotalSeconds);
            await Forget();
            await ProcessRunner.RunAsync("sync", [], cancellationToken: cancellationToken);

            var name = $"big-{round}";
            timer.Restart();
            await prePulls.CreateAsync(new V1Alpha1ImagePrePull
            {
                Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
                Spec = new ImagePrePullSpec { Images = [reference], NodeSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["bench"] = "yes" } } },
            }, cancellationToken);
            while (!Conditions.IsTrue((await prePulls.GetAsync("default", name, cancellationToken))?.Status?.Conditions, "Ready"))
            {
                agent.Refresh();
                peak = Math.Max(peak, agent.WorkingSet64);
                await Task.Delay(20, cancellationToken);
            }

            agentRuns.Add(timer.Elapsed.TotalSeconds);
            await prePulls.DeleteAsync("default", name, cancellationToken);
            while ((await nodeImages.GetAsync(null, "bench-node", cancellationToken))?.Spec.Images?.Any(i => i.Reference == reference) == true)
            {
                await Task.Delay(50, cancellationToken);
            }

            await Forget();
        }

        var ctrSeconds = ctrRuns.Order().ElementAt(1);
        var readySeconds = agentRuns.Order().ElementAt(1);
        agent.Kill(entireProcessTree: true);
        await operatorApp.StopAsync(cancellationToken);

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ctr images pull, all layers at once     {ctrUnlimited:F2} s"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ctr images pull, 3 at once (as CRI)     median {ctrSeconds:F2} s of {string.Join(", ", ctrRuns.Select(r => r.ToString("F2", CultureInfo.InvariantCulture)))} (baseline)"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ImagePrePull apply → Ready via agent    median {readySeconds:F2} s of {string.Join(", ", agentRuns.Select(r => r.ToString("F2", CultureInfo.InvariantCulture)))}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio agent/ctr (same concurrency)      {readySeconds / ctrSeconds:F2} (target ≤ 1.10)"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio agent/ctr (ctr unlimited)         {readySeconds / ctrUnlimited:F2}"));
        output.WriteLine($"agent RSS idle / peak during the pull    {idle / 1048576} MiB / {peak / 1048576} MiB");
    }
}
