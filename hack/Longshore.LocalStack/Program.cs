using k8s;
using k8s.Models;
using Longshore.Agent;
using Longshore.Operator;
using Longshore.Runtime;
using Longshore.TestBed;

// Brings up etcd + kube-apiserver, a registry with sample images, containerd, the CRDs, the operator and the agent on
// loopback, applies the samples, prints `kubectl get longshore -A` once the pre-pull is Ready, and runs until Ctrl+C.
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
using var terminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});

void Say(string text) => Console.WriteLine($"\u001b[1m==> {text}\u001b[0m");

Say("starting etcd, kube-apiserver, docker-registry and containerd on loopback");
await using var api = await KubeApiServer.StartAsync(stop.Token);
await using var registry = await RegistryServer.StartAsync(cancellationToken: stop.Token);
await using var containerd = await ContainerdServer.StartAsync([registry.Host], stop.Token);

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
var operatorOptions = new OperatorOptions { Namespace = "longshore-system", ListenAddress = "127.0.0.1", MetricsPort = FreePort.Next(), WebhookPort = FreePort.Next(), LeaderElection = false };
await using var operatorApp = OperatorHost.Build(operatorOptions, api.CreateClient());
await operatorApp.StartAsync(stop.Token);
await using var runtime = new CriImageRuntime(containerd.SocketPath);
var agentOptions = new AgentOptions { NodeName = nodeName, Namespace = "longshore-system", ListenAddress = "127.0.0.1", MetricsPort = FreePort.Next() };
await using var agentApp = AgentHost.Build(agentOptions, api.CreateClient(), runtime);
await agentApp.StartAsync(stop.Token);

Say("applying the samples");
using var scratch = TempDirectory.Create("longshore-run");
var prePull = scratch.Combine("local-imageprepull.yaml");
await File.WriteAllTextAsync(prePull, $"apiVersion: longshore.io/v1alpha1\nkind: ImagePrePull\nmetadata: {{name: local-warm, namespace: default}}\nspec:\n  images: [\"{images[0]}\", \"{images[1]}\"]\n  nodeSelector: {{matchLabels: {{longshore.io/local: 'true'}}}}\n", stop.Token);
await api.ApplyAsync(prePull, stop.Token);
foreach (var sample in new[] { "imagepolicy.yaml", "imageprune.yaml" })
{
    await api.ApplyAsync(Path.Combine(KubeApiServer.RepositoryFile("config/samples"), sample), stop.Token);
}

(await api.KubectlAsync(["wait", "--for=condition=Ready", "imageprepull/local-warm", "-n", "default", "--timeout=180s"], cancellationToken: stop.Token)).EnsureSuccess();
Say("kubectl get longshore -A");
Console.WriteLine((await api.KubectlAsync(["get", "longshore", "-A"], cancellationToken: stop.Token)).EnsureSuccess().StandardOutput);
Say("in containerd (ctr -n k8s.io images ls)");
Console.WriteLine((await containerd.CtrAsync(["images", "ls", "-q"], stop.Token)).EnsureSuccess().StandardOutput);
Console.WriteLine($"kubectl --kubeconfig {api.KubeconfigPath} get longshore -A    # try it");
Console.WriteLine($"operator metrics: http://127.0.0.1:{operatorOptions.MetricsPort}/metrics   agent metrics: http://127.0.0.1:{agentOptions.MetricsPort}/metrics");
Console.WriteLine("running; Ctrl+C stops everything and removes its files");
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
}

Say("stopping");
await agentApp.StopAsync(CancellationToken.None);
await operatorApp.StopAsync(CancellationToken.None);
