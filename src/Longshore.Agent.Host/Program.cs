using Longshore.Agent;
using Longshore.Hosting;

// longshore-agent: makes this node's NodeImage true through its image runtime; --standalone applies a folder of
// ImagePrePull YAML without a cluster. `longshore-agent --help` lists every option, its default and its variable.
var defaults = new AgentOptions();
var cli = new HostCommandLine("longshore-agent", "Longshore's node agent: keeps the images its node's NodeImage lists present and pinned.");
var node = cli.Add(HostOption.Create("--node", "NAME", "Node this agent speaks for (its NodeImage)", Environment.MachineName, "the host name", (_, name) => name, "NODE_NAME"));
var kubeconfig = cli.Add(HostOption.OptionalText("--kubeconfig", "PATH", "Kubeconfig to use", "in-cluster, else $KUBECONFIG or ~/.kube/config"));
var ns = cli.Add(HostOption.Text("--namespace", "NS", "The operator's namespace, where pull secrets for the agents are copied", defaults.Namespace, "POD_NAMESPACE"));
var socket = cli.Add(HostOption.OptionalText("--runtime-socket", "PATH", "CRI socket", "detect containerd, k3s or CRI-O"));
var embedded = cli.Add(HostOption.OptionalText("--embedded-store", "DIR", "Use the embedded layer store in this folder instead of a CRI runtime", "none"));
var metricsPort = cli.Add(HostOption.Port("--metrics-port", "Port for /metrics, /healthz and /readyz", defaults.MetricsPort));
var listen = cli.Add(HostOption.Text("--listen-address", "IP", "Address to listen on", defaults.ListenAddress));
var insecure = cli.Add(HostOption.List("--insecure-registry", "HOST", "Registry reached over plain HTTP"));
var pulls = cli.Add(HostOption.Count("--max-concurrent-pulls", "Images pulled at once on this node", defaults.MaxConcurrentPulls, 1, 32));
var resync = cli.Add(HostOption.Duration("--resync-interval", "How often the runtime is checked without a NodeImage change", defaults.ResyncInterval));
var heartbeat = cli.Add(HostOption.Duration("--heartbeat-interval", "Status is written at least this often", defaults.HeartbeatInterval));
var probe = cli.Add(HostOption.Duration("--runtime-probe-interval", "How often the runtime is checked for /healthz", defaults.RuntimeProbeInterval));
var failures = cli.Add(HostOption.Count("--runtime-failure-threshold", "Failed runtime checks in a row before /healthz fails", defaults.RuntimeFailureThreshold, 1, 1000));
var state = cli.Add(HostOption.Text("--state-dir", "DIR", "Host folder for the agent's state (last use per image, prune runs executed)", AgentOptions.DefaultStateDirectory));
var standalone = cli.Add(HostOption.Flag("--standalone", "Run without a cluster, from the folder given by --manifests"));
var manifests = cli.Add(HostOption.OptionalText("--manifests", "DIR", "Folder of ImagePrePull YAML for --standalone", "none"));

return await cli.RunAsync(
    args,
    parse =>
    {
        var folder = manifests.Get(parse);
        if (folder is not null && !Directory.Exists(folder))
        {
            throw new ArgumentException($"--manifests: folder {folder} does not exist");
        }

        if (standalone.Get(parse) && folder is null)
        {
            throw new ArgumentException("--standalone needs --manifests DIR");
        }

        var options = new AgentOptions
        {
            NodeName = node.Get(parse),
            Kubeconfig = kubeconfig.Get(parse),
            Namespace = ns.Get(parse),
            RuntimeSocket = socket.Get(parse),
            EmbeddedStore = embedded.Get(parse),
            MetricsPort = metricsPort.Get(parse),
            ListenAddress = listen.Get(parse),
            InsecureRegistries = insecure.Get(parse),
            MaxConcurrentPulls = pulls.Get(parse),
            ResyncInterval = resync.Get(parse),
            HeartbeatInterval = heartbeat.Get(parse),
            StateDirectory = state.Get(parse),
            RuntimeProbeInterval = probe.Get(parse),
            RuntimeFailureThreshold = failures.Get(parse),
        };
        return (Options: options, Manifests: standalone.Get(parse) ? folder : null);
    },
    async (run, log) =>
    {
        if (run.Manifests is not { } folder)
        {
            await AgentHost.Build(run.Options, log: log).RunAsync();
            return 0;
        }

        // No cluster: apply the ImagePrePulls in a folder to this machine's runtime until interrupted.
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
        await using var runtime = AgentRuntime.Create(run.Options);
        using var loggers = LoggerFactory.Create(log.Configure);
        await new StandaloneAgent(folder, runtime, run.Options.ResyncInterval, loggers.CreateLogger<StandaloneAgent>(), maxConcurrentPulls: run.Options.MaxConcurrentPulls).RunAsync(stop.Token);
        return 0;
    });
