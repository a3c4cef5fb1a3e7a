using Longshore.Kube;
using Longshore.Operator;

// longshore-operator [--kubeconfig PATH] [--namespace NS] [--metrics-port N] [--webhook-port N] [--webhook-cert-dir DIR]
//                    [--listen-address IP] [--insecure-registry HOST]... [--no-leader-election] [--lease-duration SECONDS] [--identity NAME]
//                    [--resolve-interval DURATION]
var options = new OperatorOptions { Namespace = Environment.GetEnvironmentVariable("POD_NAMESPACE") ?? "longshore-system" };
var insecure = new List<string>();
try
{
    for (var i = 0; i < args.Length; i++)
    {
        string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
        options = args[i] switch
        {
            "--kubeconfig" => options with { Kubeconfig = Next() },
            "--namespace" => options with { Namespace = Next() },
            "--metrics-port" => options with { MetricsPort = HostArguments.Port("--metrics-port", Next()) },
            "--webhook-port" => options with { WebhookPort = HostArguments.Port("--webhook-port", Next()) },
            "--webhook-cert-dir" => options with { WebhookCertificateDirectory = Next() },
            "--listen-address" => options with { ListenAddress = Next() },
            "--no-leader-election" => options with { LeaderElection = false },
            "--lease-duration" => options with { LeaseDuration = HostArguments.Seconds("--lease-duration", Next()) },
            "--identity" => options with { Identity = Next() },
            "--resolve-interval" => options with { ResolveInterval = HostArguments.Duration("--resolve-interval", Next()) },
            "--insecure-registry" => AddInsecure(options, Next()),
            _ => throw new ArgumentException($"unknown option {args[i]}"),
        };
    }
}
catch (ArgumentException e)
{
    // Bad usage is one line and exit code 2, as for the CLI.
    await Console.Error.WriteLineAsync($"longshore-operator: {e.Message}");
    return 2;
}

OperatorOptions AddInsecure(OperatorOptions current, string host)
{
    insecure.Add(host);
    return current with { InsecureRegistries = insecure.ToList() };
}

var app = OperatorHost.Build(options);
await app.RunAsync();
return 0;
