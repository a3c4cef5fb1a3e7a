using Longshore.Agent;
using Longshore.Api;
using Longshore.Kube;

// longshore-agent [--node NAME] [--kubeconfig PATH] [--namespace NS] [--runtime-socket PATH | --embedded-store DIR]
//                 [--metrics-port N] [--listen-address IP] [--insecure-registry HOST]... [--max-concurrent-pulls N]
//                 [--resync-interval DURATION] [--heartbeat-interval DURATION]
// longshore-agent --standalone --manifests DIR [--runtime-socket PATH | --embedded-store DIR]
var options = new AgentOptions();
var insecure = new List<string>();
string? manifests = null;
var standalone = false;
try
{
    for (var i = 0; i < args.Length; i++)
    {
        string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
        options = args[i] switch
        {
            "--node" => options with { NodeName = Next() },
            "--kubeconfig" => options with { Kubeconfig = Next() },
            "--namespace" => options with { Namespace = Next() },
            "--runtime-socket" => options with { RuntimeSocket = Next() },
            "--embedded-store" => options with { EmbeddedStore = Next() },
            "--metrics-port" => options with { MetricsPort = HostArguments.Port("--metrics-port", Next()) },
            "--listen-address" => options with { ListenAddress = Next() },
            "--max-concurrent-pulls" => options with { MaxConcurrentPulls = HostArguments.Count("--max-concurrent-pulls", Next(), 1, 32) },
            "--resync-interval" => options with { ResyncInterval = HostArguments.Duration("--resync-interval", Next()) },
            "--heartbeat-interval" => options with { HeartbeatInterval = HostArguments.Duration("--heartbeat-interval", Next()) },
            "--insecure-registry" => AddInsecure(options, Next()),
            "--standalone" => Standalone(options),
            "--manifests" => Manifests(options, Next()),
            _ => throw new ArgumentException($"unknown option {args[i]}"),
        };
    }
}
catch (ArgumentException e)
{
    // Bad usage is one line and exit code 2, as for the CLI.
    await Console.Error.WriteLineAsync($"longshore-agent: {e.Message}");
    return 2;
}

AgentOptions AddInsecure(AgentOptions current, string host)
{
    insecure.Add(host);
    return current with { InsecureRegistries = insecure.ToList() };
}

if (standalone)
{
    // No cluster: apply the ImagePrePulls in a folder to this machine's runtime until interrupted.
    using var stop = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        stop.Cancel();
    };
    if (manifests is not { } folder)
    {
        await Console.Error.WriteLineAsync("longshore-agent: --standalone needs --manifests DIR");
        return 2;
    }

    await using var runtime = AgentRuntime.Create(options);
    using var loggers = LoggerFactory.Create(b => b.AddJsonConsole());
    await new StandaloneAgent(folder, runtime, options.ResyncInterval, loggers.CreateLogger<StandaloneAgent>()).RunAsync(stop.Token);
    return 0;
}

await AgentHost.Build(options).RunAsync();
return 0;

AgentOptions Standalone(AgentOptions current)
{
    standalone = true;
    return current;
}

AgentOptions Manifests(AgentOptions current, string folder)
{
    manifests = Directory.Exists(folder) ? folder : throw new ArgumentException($"--manifests: folder {folder} does not exist");
    return current;
}
