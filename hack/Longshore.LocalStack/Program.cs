using System.Diagnostics;
using System.Runtime.InteropServices;
using k8s;
using k8s.Models;
using Longshore.Agent;
using Longshore.Operator;
using Longshore.Runtime;
using Longshore.TestBed;
using Microsoft.AspNetCore.Builder;

// Brings up etcd + kube-apiserver, a registry with sample images, containerd, the CRDs, the operator and the agent on
// loopback, applies the samples, prints `kubectl get longshore -A` once the pre-pull is Ready, and runs until Ctrl+C
// (or SIGTERM). The components run in sessions of their own, so Ctrl+C reaches only this program, which stops them in
// order: agent, operator, containerd, registry, kube-apiserver, etcd; then it removes its folders.
using var stop = new CancellationTokenSource();
void Interrupt(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}

using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupt);
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupt);

void Say(string text) => Console.WriteLine(Console.IsOutputRedirected ? $"==> {text}" : $"\u001b[1m==> {text}\u001b[0m");

var clock = Stopwatch.StartNew();
KubeApiServer? api = null;
RegistryServer? registry = null;
ContainerdServer? containerd = null;
WebApplication? operatorApp = null;
CriImageRuntime? runtime = null;
WebApplication? agentApp = null;
TempDirectory? scratch = null;
var exitCode = 0;
try
{
    Say("starting etcd, kube-apiserver, docker-registry and containerd on loopback");
    var starting = KubeApiServer.StartAsync(stop.Token);
    try
    {
        registry = await RegistryServer.StartAsync(cancellationToken: stop.Token);
        containerd = await ContainerdServer.StartAsync([registry.Host], stop.Token);
    }
    finally
    {
        // Whatever happened meanwhile, the API server it started must be stopped too.
        api = await starting;
    }

    Say("publishing two sample images");
    var images = new List<string>();
    foreach (var (name, seed) in new[] { ("shop/web", 1), ("shop/worker", 2) })
    {
        var image = new TestImageBuilder().WithRandomLayer(2_000_000, seed).WithRandomLayer(1_000_000, seed + 10).WithFile("etc/sample", name).WithLabel("org.opencontainers.image.title", name).Build();
        await Skopeo.PublishAsync(image, registry, $"{name}:1.0", stop.Token);
        images.Add(registry.Reference($"{name}:1.0"));
    }

    Say("installing the CRDs and RBAC");
    await api.InstallCrdsAsync(KubeApiServer.RepositoryFile("config/crd/bases"), stop.Token);
    using var admin = api.CreateClient();
    await admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "longshore-system" } }, cancellationToken: stop.Token);
    await api.ApplyAsync(KubeApiServer.RepositoryFile("config/rbac"), stop.Token);
    var nodeName = Environment.MachineName.ToLowerInvariant();
    await admin.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = nodeName, Labels = new Dictionary<string, string> { ["kubernetes.io/os"] = "linux", ["longshore.io/local"] = "true" } } }, cancellationToken: stop.Token);

    Say($"starting the operator and the agent for node {nodeName} (containerd at {containerd.SocketPath})");
    var operatorOptions = new OperatorOptions { Namespace = "longshore-system", ListenAddress = "127.0.0.1", MetricsPort = FreePort.Next(), WebhookPort = FreePort.Next(), LeaderElection = false, PolicyRefreshWindow = TimeSpan.Zero };
    operatorApp = OperatorHost.Build(operatorOptions, api.CreateClient());
    await operatorApp.StartAsync(stop.Token);
    runtime = new CriImageRuntime(containerd.SocketPath);
    var agentOptions = new AgentOptions { NodeName = nodeName, Namespace = "longshore-system", ListenAddress = "127.0.0.1", MetricsPort = FreePort.Next() };
    agentApp = AgentHost.Build(agentOptions, api.CreateClient(), runtime);
    await agentApp.StartAsync(stop.Token);

    scratch = TempDirectory.Create("longshore-run");
    var prePull = scratch.Combine("local-imageprepull.yaml");
    Say($"applying the samples ({prePull})");
    await File.WriteAllTextAsync(prePull, $"apiVersion: longshore.io/v1alpha1\nkind: ImagePrePull\nmetadata: {{name: local-warm, namespace: default}}\nspec:\n  images: [\"{images[0]}\", \"{images[1]}\"]\n  nodeSelector: {{matchLabels: {{longshore.io/local: 'true'}}}}\n", stop.Token);
    await api.ApplyAsync(prePull, stop.Token);
    foreach (var sample in new[] { "imagepolicy.yaml", "imageprune.yaml" })
    {
        await api.ApplyAsync(Path.Combine(KubeApiServer.RepositoryFile("config/samples"), sample), stop.Token);
    }

    // An ImagePolicy on the local registry: the web image follows its tag, the worker holds the 1.x release it locked.
    var workerV1 = new TestImageBuilder().WithFile("etc/sample", "shop/worker 1.0.0").Build();
    await Skopeo.PublishAsync(workerV1, registry, "shop/worker:1.0.0", stop.Token);
    var policy = scratch.Combine("local-imagepolicy.yaml");
    await File.WriteAllTextAsync(policy, $"apiVersion: longshore.io/v1alpha1\nkind: ImagePolicy\nmetadata: {{name: local-pins, namespace: default}}\nspec:\n  images:\n  - {{repository: \"{registry.Reference("shop/web")}\", tag: \"1.0\"}}\n  - {{repository: \"{registry.Reference("shop/worker")}\", semver: \"^1.0.0\", updatePolicy: Hold}}\n  ensureOnNodes: true\n", stop.Token);
    await api.ApplyAsync(policy, stop.Token);

    (await api.KubectlAsync(["wait", "--for=condition=Ready", "imageprepull/local-warm", "-n", "default", "--timeout=180s"], cancellationToken: stop.Token)).EnsureSuccess();
    (await api.KubectlAsync(["wait", "--for=condition=Ready", "imagepolicy/local-pins", "-n", "default", "--timeout=180s"], cancellationToken: stop.Token)).EnsureSuccess();
    Say("releasing shop/worker:1.1.0: the policy holds 1.0.0 and reports the moved tag as drift");
    await Skopeo.PublishAsync(new TestImageBuilder().WithFile("etc/sample", "shop/worker 1.1.0").Build(), registry, "shop/worker:1.1.0", stop.Token);
    (await api.KubectlAsync(["annotate", "--overwrite", "imagepolicy/local-pins", "-n", "default", "longshore.io/refresh-requested=1"], cancellationToken: stop.Token)).EnsureSuccess();
    (await api.KubectlAsync(["wait", "--for=condition=Drifted", "imagepolicy/local-pins", "-n", "default", "--timeout=60s"], cancellationToken: stop.Token)).EnsureSuccess();
    // A dry run on demand: an image nobody uses or wants is pulled, and the prune plans it without removing it.
    Say("a dry-run ImagePrune on demand: what an Unused prune would free on this node");
    var leftover = new TestImageBuilder().WithRandomLayer(1_500_000, 99).WithFile("etc/sample", "shop/old").Build();
    await Skopeo.PublishAsync(leftover, registry, "shop/old:0.9", stop.Token);
    await runtime.PullAsync(registry.Reference("shop/old:0.9"), null, stop.Token);
    (await api.KubectlAsync(["wait", "--for=jsonpath={.status.inventory.imageCount}=" + (await runtime.ListImagesAsync(stop.Token)).Count, $"nodeimage/{nodeName}", "--timeout=60s"], cancellationToken: stop.Token)).EnsureSuccess();
    await Task.Delay(TimeSpan.FromSeconds(2), stop.Token);
    var dryRun = scratch.Combine("local-imageprune.yaml");
    await File.WriteAllTextAsync(dryRun, "apiVersion: longshore.io/v1alpha1\nkind: ImagePrune\nmetadata:\n  name: local-dry-run\n  annotations: {longshore.io/run-now: \"1\"}\nspec:\n  schedule: \"@weekly\"\n  mode: Unused\n  olderThan: 1s\n  keep: [\"*:stable\"]\n  dryRun: true\n", stop.Token);
    await api.ApplyAsync(dryRun, stop.Token);
    (await api.KubectlAsync(["wait", "--for=jsonpath={.status.lastRun.trigger}=RunNow", "imageprune/local-dry-run", "--timeout=60s"], cancellationToken: stop.Token)).EnsureSuccess();
    Console.WriteLine((await api.KubectlAsync(["get", "imageprune", "local-dry-run", "-o", "jsonpath=run {.status.lastRun.runId}: {.status.lastRun.imagesRemoved} image(s) would be removed, {.status.lastRun.bytesPlanned} bytes planned (dry run){\"\\n\"}"], cancellationToken: stop.Token)).EnsureSuccess().StandardOutput);
    Say("kubectl get longshore -A");
    Console.WriteLine((await api.KubectlAsync(["get", "longshore", "-A"], cancellationToken: stop.Token)).EnsureSuccess().StandardOutput);
    Say("the locks (kubectl get ipol local-pins -o jsonpath='{.status.locks}')");
    Console.WriteLine((await api.KubectlAsync(["get", "imagepolicy", "local-pins", "-n", "default", "-o", "jsonpath={range .status.locks[*]}{.image}:{.tag} {.digest} registry={.registryDigest}{\"\\n\"}{end}"], cancellationToken: stop.Token)).EnsureSuccess().StandardOutput);
    Say("in containerd (ctr -n k8s.io images ls)");
    Console.WriteLine((await containerd.CtrAsync(["images", "ls", "-q"], stop.Token)).EnsureSuccess().StandardOutput);
    Console.WriteLine($"kubectl --kubeconfig {api.KubeconfigPath} get longshore -A    # try it");
    Console.WriteLine($"operator metrics: http://127.0.0.1:{operatorOptions.MetricsPort}/metrics   agent metrics: http://127.0.0.1:{agentOptions.MetricsPort}/metrics");
    Say($"ready in {clock.Elapsed.TotalSeconds:F1} s; Ctrl+C stops everything and removes its files");
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
}
catch (Exception e)
{
    await Console.Error.WriteLineAsync($"the local stack could not start: {e.Message}");
    exitCode = 1;
}

// Stop in order, each step bounded, so nothing is left behind and no component retries against one already gone.
Say("stopping");
var stopping = Stopwatch.StartNew();
ServiceProcess.Stopped += (sender, _) => Say($"stopped {((ServiceProcess)sender!).Name} ({stopping.Elapsed.TotalSeconds:F1} s)");
await StopHostAsync("agent", agentApp);
if (runtime is not null)
{
    await runtime.DisposeAsync();
}

await StopHostAsync("operator", operatorApp);
await DisposeAsync(containerd);
await DisposeAsync(registry);
await DisposeAsync(api);
scratch?.Dispose();
Say($"stopped everything in {stopping.Elapsed.TotalSeconds:F1} s");
return exitCode;

async Task StopHostAsync(string name, WebApplication? app)
{
    if (app is null)
    {
        return;
    }

    using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(3));
    try
    {
        await app.StopAsync(limit.Token);
    }
    catch (OperationCanceledException)
    {
    }

    await app.DisposeAsync();
    Say($"stopped {name} ({stopping.Elapsed.TotalSeconds:F1} s)");
}

static async Task DisposeAsync(IAsyncDisposable? component)
{
    if (component is not null)
    {
        await component.DisposeAsync();
    }
}
