using System.Diagnostics;
using System.Globalization;
using System.Text;
using k8s;
using k8s.Models;

namespace Longshore.TestBed;

/// <summary>
/// A whole single-node Kubernetes 1.20 where Pods really run: etcd, kube-apiserver (Node and RBAC authorization,
/// NodeRestriction), kube-controller-manager, kube-scheduler, a registry holding the sandbox (pause) image, containerd
/// with CRI and CNI bridge networking, and kubelet. Everything runs inside one <see cref="NodeNamespace"/> (its own
/// network and mount namespaces) with a temporary work folder, so several nodes run side by side and none touches the
/// host's <c>/var/log/pods</c>, <c>/var/lib/kubelet</c> or kernel settings. Dispose stops it in order and removes what
/// it made: Pods, kubelet, containers, containerd and its shims, the control plane, the namespaces (with their bridge,
/// veth and mounts) and the cgroup folders. There is no kube-proxy and no DNS. Must run as root.
/// </summary>
public sealed class KubeNode : IAsyncDisposable
{
    private readonly TempDirectory _work;
    private readonly List<string> _cgroupFolders = [];
    private KubeNodeBinaries _binaries = null!;
    private ServiceProcess? _containerd;
    private ServiceProcess? _controllerManager;
    private ServiceProcess? _scheduler;
    private ServiceProcess? _kubelet;
    private KubeNodeOptions _options = new();

    private KubeNode(TempDirectory work, NodeNamespace space, string name)
    {
        _work = work;
        Namespace = space;
        Name = name;
        ContainerdSocket = work.Combine("containerd", "containerd.sock");
    }

    /// <summary>The Node's name, as kubelet registers it.</summary>
    public string Name { get; }

    /// <summary>The network and mount namespaces the node runs in; <see cref="NodeNamespace.Address"/> is the node's IP.</summary>
    public NodeNamespace Namespace { get; }

    public KubeApiServer Api { get; private set; } = null!;

    /// <summary>A registry inside the node's namespace, at the node's address; containerd pulls from it over plain HTTP.</summary>
    public RegistryServer Registry { get; private set; } = null!;

    /// <summary>containerd's CRI socket (a file in the work folder, reachable from the host process).</summary>
    public string ContainerdSocket { get; }

    /// <summary>The sandbox image every Pod starts with (busybox <c>sleep infinity</c>).</summary>
    public string PauseImage { get; private set; } = string.Empty;

    /// <summary>The busybox-static layer (<c>/bin/busybox</c>): share it to build images whose containers run.</summary>
    public BuiltLayer BusyboxLayer { get; private set; } = null!;

    /// <summary>The last lines kubelet printed, for failure messages.</summary>
    public string KubeletOutput => _kubelet?.OutputTail ?? string.Empty;

    /// <summary>How long <see cref="StartAsync"/> took, up to a Ready Node.</summary>
    public TimeSpan StartupTime { get; private set; }

    /// <summary>How long the last <see cref="DisposeAsync"/> took.</summary>
    public TimeSpan StopTime { get; private set; }

    public static async Task<KubeNode> StartAsync(KubeNodeOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new KubeNodeOptions();
        var clock = Stopwatch.StartNew();
        var binaries = KubeNodeBinaries.LocateAsync(cancellationToken);
        ComponentLocator.Require("containerd", "containerd");
        ComponentLocator.Require("runc", "runc");
        ComponentLocator.Require("/usr/lib/cni/bridge", "containernetworking-plugins");
        var busybox = ComponentLocator.Require("/bin/busybox", "busybox-static");
        var work = TempDirectory.Create("longshore-node");
        NodeNamespace space;
        try
        {
            space = await NodeNamespace.CreateAsync(work.Path, cancellationToken);
        }
        catch
        {
            work.Dispose();
            throw;
        }

        var node = new KubeNode(work, space, options.Name ?? $"lsnode-{space.Index}") { _options = options };
        try
        {
            node._binaries = await binaries;
            await node.StartComponentsAsync(busybox, cancellationToken);
            node.StartupTime = clock.Elapsed;
            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    /// <summary>A kubeconfig for a service account (created when missing), with a token from the TokenRequest API.</summary>
    public async Task<string> WriteServiceAccountKubeconfigAsync(string @namespace, string name, CancellationToken cancellationToken = default)
    {
        using var admin = Api.CreateClient();
        try
        {
            await admin.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = name } }, @namespace, cancellationToken: cancellationToken);
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
        }

        var token = await admin.CoreV1.CreateNamespacedServiceAccountTokenAsync(
            new Authenticationv1TokenRequest { Spec = new V1TokenRequestSpec { Audiences = ["https://kubernetes.default.svc"], ExpirationSeconds = 3600 } },
            name,
            @namespace,
            cancellationToken: cancellationToken);
        return Api.WriteKubeconfig(new KubeIdentity($"system:serviceaccount:{@namespace}:{name}", token.Status.Token, ["system:serviceaccounts", $"system:serviceaccounts:{@namespace}"]));
    }

    /// <summary>Runs <c>ctr</c> against the node's containerd in namespace k8s.io (where CRI keeps images).</summary>
    public Task<ProcessResult> CtrAsync(IEnumerable<string> arguments, CancellationToken cancellationToken = default) =>
        ProcessRunner.RunAsync(ComponentLocator.Require("ctr", "containerd"), ["-a", ContainerdSocket, "-n", "k8s.io", .. arguments], timeout: TimeSpan.FromMinutes(2), cancellationToken: cancellationToken);

    /// <summary>The resident memory of every process of the node: components, shims and containers.</summary>
    public long ResidentBytes()
    {
        var pids = new HashSet<int>(Namespace.Members()) { Namespace.HolderId };
        foreach (var folder in _cgroupFolders.Where(f => f.Contains("/memory/", StringComparison.Ordinal)))
        {
            pids.UnionWith(ProcessesUnder(folder));
        }

        return pids.Sum(ResidentBytesOf);
    }

    public async ValueTask DisposeAsync()
    {
        var clock = Stopwatch.StartNew();

        // Nothing may recreate or place Pods while they go.
        await StopAsync(_controllerManager);
        await StopAsync(_scheduler);
        if (_kubelet is { HasExited: false } && Api is not null)
        {
            // kubelet stops the containers, removes their sandboxes (and so their CNI addresses), then the Pod objects.
            await Api.KubectlAsync(["delete", "pods", "--all", "--all-namespaces", "--grace-period=1", "--timeout=60s"]);
        }

        await StopAsync(_kubelet);

        // Whatever kubelet left: container processes in the node's cgroups, then containerd and its shims.
        foreach (var folder in _cgroupFolders)
        {
            foreach (var pid in ProcessesUnder(folder))
            {
                NodeNamespace.Kill(pid);
            }
        }

        await StopAsync(_containerd);
        foreach (var pid in Namespace.Members().Where(p => ProcessName(p).StartsWith("containerd-shim", StringComparison.Ordinal)))
        {
            NodeNamespace.Kill(pid);
        }

        if (Registry is not null)
        {
            await Registry.DisposeAsync();
        }

        if (Api is not null)
        {
            await Api.DisposeAsync();
        }

        await Namespace.DisposeAsync();
        await RemoveCgroupFoldersAsync();
        await ProcessRunner.RunAsync("rm", ["-rf", "--one-file-system", _work.Path]);
        StopTime = clock.Elapsed;
    }

    private static async Task StopAsync(ServiceProcess? process)
    {
        if (process is not null)
        {
            await process.DisposeAsync();
        }
    }

    private async Task StartComponentsAsync(string busybox, CancellationToken cancellationToken)
    {
        var address = Namespace.Address;
        var kubeletIdentity = new KubeIdentity($"system:node:{Name}", Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)), ["system:nodes"]);
        var api = KubeApiServer.StartAsync(
            new KubeApiServerOptions
            {
                Address = address,
                CommandPrefix = Namespace.CommandPrefix,
                ExtraIdentities = [kubeletIdentity],
                AuthorizationMode = "Node,RBAC",
                ExtraArguments =
                [
                    "--enable-admission-plugins=NodeRestriction",
                    "--kubelet-preferred-address-types=InternalIP,Hostname",
                    // No kube-proxy: webhook and aggregated API Services are reached at an endpoint's Pod address.
                    "--enable-aggregator-routing=true",
                ],
            },
            cancellationToken);
        try
        {
            Registry = await RegistryServer.StartAsync(new RegistryServerOptions { ListenAddress = address, CommandPrefix = Namespace.CommandPrefix }, cancellationToken);
            var busyboxImage = new TestImageBuilder().WithExecutable("bin/busybox", await File.ReadAllBytesAsync(busybox, cancellationToken)).WithEntrypoint("/bin/busybox", "sleep", "infinity").Build();
            BusyboxLayer = busyboxImage.Layers[0];
            await Skopeo.PublishAsync(busyboxImage, Registry, "longshore/pause:1", cancellationToken);
            PauseImage = Registry.Reference("longshore/pause:1");
            _containerd = await StartContainerdAsync(cancellationToken);
        }
        finally
        {
            // The API server is disposed with the node even when something above failed.
            Api = await api;
        }

        var adminConfig = Api.KubeconfigPath;
        var controllerFolder = Directory.CreateDirectory(_work.Combine("controller-manager")).FullName;
        _controllerManager = Namespace.Start(_binaries.ControllerManager, [
            $"--kubeconfig={adminConfig}",
            $"--service-account-private-key-file={Path.Combine(Api.DirectoryPath, "sa.key")}",
            $"--root-ca-file={Path.Combine(Api.DirectoryPath, "certs", "apiserver.crt")}",
            "--controllers=*",
            "--leader-elect=false",
            "--port=0",
            "--bind-address=127.0.0.1",
            "--secure-port=10257",
            $"--cert-dir={controllerFolder}",
            $"--flex-volume-plugin-dir={Path.Combine(controllerFolder, "flex")}",
            "--v=0",
        ]);
        _scheduler = Namespace.Start(_binaries.Scheduler, [
            $"--kubeconfig={adminConfig}",
            "--leader-elect=false",
            "--port=0",
            "--bind-address=127.0.0.1",
            "--secure-port=10259",
            $"--cert-dir={Directory.CreateDirectory(_work.Combine("scheduler")).FullName}",
            "--v=0",
        ]);

        await CreateCgroupFoldersAsync();
        await WriteKubeletFilesAsync(kubeletIdentity, cancellationToken);
        _kubelet = Namespace.Start(_binaries.Kubelet, KubeletArguments());
        using var admin = Api.CreateClient();
        await _kubelet.WaitUntilAsync(
            async ct => (await admin.CoreV1.ListNodeAsync(fieldSelector: $"metadata.name={Name}", cancellationToken: ct)).Items
                .Any(n => n.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true),
            TimeSpan.FromSeconds(120),
            cancellationToken);
    }

    private async Task<ServiceProcess> StartContainerdAsync(CancellationToken cancellationToken)
    {
        var folder = Directory.CreateDirectory(_work.Combine("containerd")).FullName;
        var cni = Directory.CreateDirectory(_work.Combine("cni", "net.d")).FullName;
        var cri = "plugins.\"io.containerd.grpc.v1.cri\"";
        var config = new StringBuilder()
            .AppendLine("version = 2")
            .AppendLine(CultureInfo.InvariantCulture, $"root = \"{folder}/root\"")
            .AppendLine(CultureInfo.InvariantCulture, $"state = \"{folder}/state\"")
            .AppendLine("[grpc]")
            .AppendLine(CultureInfo.InvariantCulture, $"  address = \"{ContainerdSocket}\"")
            .AppendLine("[ttrpc]")
            .AppendLine(CultureInfo.InvariantCulture, $"  address = \"{ContainerdSocket}.ttrpc\"")
            .AppendLine("[plugins.\"io.containerd.internal.v1.opt\"]")
            .AppendLine(CultureInfo.InvariantCulture, $"  path = \"{folder}/opt\"")
            .AppendLine(CultureInfo.InvariantCulture, $"[{cri}]")
            .AppendLine(CultureInfo.InvariantCulture, $"  sandbox_image = \"{PauseImage}\"")
            // Root here lacks CAP_SYS_RESOURCE: containers may only raise their OOM score.
            .AppendLine("  restrict_oom_score_adj = true")
            .AppendLine("  netns_mounts_under_state_dir = true")
            .AppendLine(CultureInfo.InvariantCulture, $"  [{cri}.containerd]")
            .AppendLine("    snapshotter = \"native\"")
            .AppendLine("    default_runtime_name = \"runc\"")
            .AppendLine(CultureInfo.InvariantCulture, $"    [{cri}.containerd.runtimes.runc]")
            .AppendLine("      runtime_type = \"io.containerd.runc.v2\"")
            .AppendLine(CultureInfo.InvariantCulture, $"      [{cri}.containerd.runtimes.runc.options]")
            .AppendLine("        SystemdCgroup = false")
            .AppendLine(CultureInfo.InvariantCulture, $"  [{cri}.cni]")
            .AppendLine("    bin_dir = \"/usr/lib/cni\"")
            .AppendLine(CultureInfo.InvariantCulture, $"    conf_dir = \"{cni}\"")
            .AppendLine(CultureInfo.InvariantCulture, $"  [{cri}.registry.mirrors.\"{Registry.Host}\"]")
            .AppendLine(CultureInfo.InvariantCulture, $"    endpoint = [\"http://{Registry.Host}\"]");
        var configPath = Path.Combine(folder, "config.toml");
        await File.WriteAllTextAsync(configPath, config.ToString(), cancellationToken);
        var conflist = $$"""
            {
              "cniVersion": "0.4.0",
              "name": "{{Name}}",
              "plugins": [
                {
                  "type": "bridge",
                  "bridge": "lsbr{{Namespace.Index}}",
                  "isGateway": true,
                  "ipMasq": false,
                  "ipam": {
                    "type": "host-local",
                    "ranges": [[{ "subnet": "{{Namespace.PodSubnet}}" }]],
                    "routes": [{ "dst": "0.0.0.0/0" }],
                    "dataDir": "{{_work.Combine("cni", "ipam")}}"
                  }
                }
              ]
            }
            """;
        await File.WriteAllTextAsync(Path.Combine(cni, "10-longshore.conflist"), conflist, cancellationToken);
        var process = Namespace.Start(ComponentLocator.Require("containerd", "containerd"), ["--config", configPath, "--log-level", "warn"]);
        var ctr = ComponentLocator.Require("ctr", "containerd");
        await process.WaitUntilAsync(
            async ct => File.Exists(ContainerdSocket) && (await ProcessRunner.RunAsync(ctr, ["-a", ContainerdSocket, "version"], cancellationToken: ct)).ExitCode == 0,
            TimeSpan.FromSeconds(30),
            cancellationToken);
        return process;
    }

    private async Task WriteKubeletFilesAsync(KubeIdentity identity, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateDirectory(_work.Combine("kubelet")).FullName;
        await File.WriteAllTextAsync(Path.Combine(folder, "kubeconfig"), $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: node
              cluster:
                server: {Api.Server}
                insecure-skip-tls-verify: true
            users:
            - name: kubelet
              user:
                token: {identity.Token}
            contexts:
            - name: kubelet
              context:
                cluster: node
                user: kubelet
            current-context: kubelet
            """, cancellationToken);
        // Pods get no resolver of the host's: there is no DNS in the test bed.
        await File.WriteAllTextAsync(Path.Combine(folder, "resolv.conf"), string.Empty, cancellationToken);
        var config = new StringBuilder($"""
            apiVersion: kubelet.config.k8s.io/v1beta1
            kind: KubeletConfiguration
            address: {Namespace.Address}
            port: 10250
            readOnlyPort: 0
            cgroupDriver: cgroupfs
            cgroupRoot: /{Name}
            failSwapOn: false
            makeIPTablesUtilChains: false
            resolvConf: {Path.Combine(folder, "resolv.conf")}
            volumePluginDir: {Path.Combine(folder, "volume-plugins")}
            authentication:
              anonymous:
                enabled: true
              webhook:
                enabled: false
            authorization:
              mode: AlwaysAllow
            # 0s would silently become 2m.
            imageMinimumGCAge: 1s
            nodeStatusUpdateFrequency: 4s
            evictionHard:

            """);
        foreach (var (signal, threshold) in _options.EvictionHard ?? new Dictionary<string, string> { ["memory.available"] = "1Mi" })
        {
            config.AppendLine(CultureInfo.InvariantCulture, $"  {signal}: \"{threshold}\"");
        }

        if (_options.ImageGcHighThresholdPercent is { } high)
        {
            config.AppendLine(CultureInfo.InvariantCulture, $"imageGCHighThresholdPercent: {high}");
        }

        if (_options.ImageGcLowThresholdPercent is { } low)
        {
            config.AppendLine(CultureInfo.InvariantCulture, $"imageGCLowThresholdPercent: {low}");
        }

        await File.WriteAllTextAsync(Path.Combine(folder, "config.yaml"), config.ToString(), cancellationToken);
    }

    private List<string> KubeletArguments()
    {
        var folder = _work.Combine("kubelet");
        var arguments = new List<string>
        {
            $"--config={Path.Combine(folder, "config.yaml")}",
            $"--kubeconfig={Path.Combine(folder, "kubeconfig")}",
            "--container-runtime=remote",
            $"--container-runtime-endpoint=unix://{ContainerdSocket}",
            $"--pod-infra-container-image={PauseImage}",
            $"--root-dir={Path.Combine(folder, "root")}",
            $"--cert-dir={Path.Combine(folder, "pki")}",
            $"--hostname-override={Name}",
            $"--node-ip={Namespace.Address}",
            "--v=1",
        };
        if (_options.Labels.Count > 0)
        {
            arguments.Add("--node-labels=" + string.Join(',', _options.Labels.Select(l => $"{l.Key}={l.Value}")));
        }

        return arguments;
    }

    // kubelet's cgroupRoot must exist in every cgroup v1 hierarchy before it starts.
    private async Task CreateCgroupFoldersAsync()
    {
        foreach (var hierarchy in await CgroupV1HierarchiesAsync())
        {
            var folder = Path.Combine(hierarchy, Name);
            Directory.CreateDirectory(folder);
            _cgroupFolders.Add(folder);
        }
    }

    /// <summary>The mount points of every cgroup v1 hierarchy (the host's layout on these machines).</summary>
    public static async Task<IReadOnlyList<string>> CgroupV1HierarchiesAsync()
    {
        var lines = await File.ReadAllLinesAsync("/proc/self/mountinfo");
        return [.. lines.Select(l => l.Split(" - ", 2)).Where(p => p.Length == 2 && p[1].StartsWith("cgroup ", StringComparison.Ordinal)).Select(p => p[0].Split(' ')[4])];
    }

    // Deepest first; a folder still holding a process (a container kubelet missed) has it killed and is tried again.
    private async Task RemoveCgroupFoldersAsync()
    {
        foreach (var root in _cgroupFolders)
        {
            if (!Directory.Exists(root))
            {
                continue;
            }

            var folders = Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories).OrderByDescending(f => f.Length).Append(root).ToList();
            foreach (var folder in folders)
            {
                for (var attempt = 0; ; attempt++)
                {
                    try
                    {
                        Directory.Delete(folder);
                        break;
                    }
                    catch (DirectoryNotFoundException)
                    {
                        break;
                    }
                    catch (IOException) when (attempt < 50)
                    {
                        foreach (var pid in ProcessesUnder(folder))
                        {
                            NodeNamespace.Kill(pid);
                        }

                        await Task.Delay(100);
                    }
                }
            }
        }
    }

    private static IEnumerable<int> ProcessesUnder(string cgroupFolder)
    {
        if (!Directory.Exists(cgroupFolder))
        {
            return [];
        }

        var pids = new List<int>();
        foreach (var procs in Directory.EnumerateFiles(cgroupFolder, "cgroup.procs", SearchOption.AllDirectories))
        {
            try
            {
                pids.AddRange(File.ReadAllLines(procs).Select(l => int.Parse(l, CultureInfo.InvariantCulture)));
            }
            catch (IOException)
            {
            }
        }

        return pids;
    }

    private static string ProcessName(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim();
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    private static long ResidentBytesOf(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
