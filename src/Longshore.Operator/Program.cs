using System.Globalization;
using Longshore.Operator;

// longshore-operator [--kubeconfig PATH] [--namespace NS] [--metrics-port N] [--webhook-port N] [--webhook-cert-dir DIR]
//                    [--listen-address IP] [--insecure-registry HOST]... [--no-leader-election] [--lease-duration SECONDS] [--identity NAME]
var options = new OperatorOptions { Namespace = Environment.GetEnvironmentVariable("POD_NAMESPACE") ?? "longshore-system" };
var insecure = new List<string>();
for (var i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    options = args[i] switch
    {
        "--kubeconfig" => options with { Kubeconfig = Next() },
        "--namespace" => options with { Namespace = Next() },
        "--metrics-port" => options with { MetricsPort = int.Parse(Next(), CultureInfo.InvariantCulture) },
        "--webhook-port" => options with { WebhookPort = int.Parse(Next(), CultureInfo.InvariantCulture) },
        "--webhook-cert-dir" => options with { WebhookCertificateDirectory = Next() },
        "--listen-address" => options with { ListenAddress = Next() },
        "--no-leader-election" => options with { LeaderElection = false },
        "--lease-duration" => options with { LeaseDuration = TimeSpan.FromSeconds(int.Parse(Next(), CultureInfo.InvariantCulture)) },
        "--identity" => options with { Identity = Next() },
        "--insecure-registry" => AddInsecure(options, Next()),
        _ => throw new ArgumentException($"unknown option {args[i]}"),
    };
}

OperatorOptions AddInsecure(OperatorOptions current, string host)
{
    insecure.Add(host);
    return current with { InsecureRegistries = insecure.ToList() };
}

var app = OperatorHost.Build(options);
await app.RunAsync();
