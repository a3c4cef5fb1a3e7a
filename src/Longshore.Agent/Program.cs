using System.Globalization;
using Longshore.Agent;

// longshore-agent [--node NAME] [--kubeconfig PATH] [--namespace NS] [--runtime-socket PATH | --embedded-store DIR]
//                 [--metrics-port N] [--listen-address IP] [--insecure-registry HOST]...
var options = new AgentOptions();
var insecure = new List<string>();
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
        "--metrics-port" => options with { MetricsPort = int.Parse(Next(), CultureInfo.InvariantCulture) },
        "--listen-address" => options with { ListenAddress = Next() },
        "--insecure-registry" => AddInsecure(options, Next()),
        _ => throw new ArgumentException($"unknown option {args[i]}"),
    };
}

AgentOptions AddInsecure(AgentOptions current, string host)
{
    insecure.Add(host);
    return current with { InsecureRegistries = insecure.ToList() };
}

await AgentHost.Build(options).RunAsync();
