using System.Globalization;
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
            "--metrics-port" => options with { MetricsPort = Port("--metrics-port", Next()) },
            "--webhook-port" => options with { WebhookPort = Port("--webhook-port", Next()) },
            "--webhook-cert-dir" => options with { WebhookCertificateDirectory = Next() },
            "--listen-address" => options with { ListenAddress = Next() },
            "--no-leader-election" => options with { LeaderElection = false },
            "--lease-duration" => options with { LeaseDuration = TimeSpan.FromSeconds(Seconds("--lease-duration", Next())) },
            "--identity" => options with { Identity = Next() },
            "--resolve-interval" => options with { ResolveInterval = Interval(Next()) },
            "--insecure-registry" => AddInsecure(options, Next()),
            _ => throw new ArgumentException($"unknown option {args[i]}"),
        };
    }
}
catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
{
    // Bad usage is one line and exit code 2, as for the CLI.
    await Console.Error.WriteLineAsync($"longshore-operator: {e.Message}");
    return 2;
}

static int Port(string option, string text) =>
    int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536
        ? port
        : throw new ArgumentException($"{option}: '{text}' is not a port number (1-65535)");

static int Seconds(string option, string text) =>
    int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
        ? seconds
        : throw new ArgumentException($"{option}: '{text}' is not a whole number of seconds above 0");

OperatorOptions AddInsecure(OperatorOptions current, string host)
{
    insecure.Add(host);
    return current with { InsecureRegistries = insecure.ToList() };
}

static TimeSpan Interval(string text) =>
    Longshore.Api.GoDuration.TryParse(text, out var interval, out var error) && interval > TimeSpan.Zero
        ? interval
        : throw new ArgumentException($"--resolve-interval: '{text}' is not a positive duration such as 30s or 5m{(error is null ? string.Empty : $" ({error})")}");

var app = OperatorHost.Build(options);
await app.RunAsync();
return 0;
