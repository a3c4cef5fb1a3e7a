using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.Operator.Tests;

/// <summary>Bad usage of the operator binary is one line naming the option, and exit code 2; --help lists every option with its default and variable.</summary>
public sealed class CommandLineTests
{
    [Theory]
    [InlineData("--resolve-interval 5x", "--resolve-interval: '5x' is not a positive duration such as 30s or 5m")]
    [InlineData("--webhook-port -1", "--webhook-port: '-1' is not a port number (1-65535)")]
    [InlineData("--lease-duration 0", "--lease-duration: '0' is not a whole number of seconds above 0")]
    [InlineData("--namespace", "--namespace needs a value")]
    [InlineData("--frobnicate", "unknown option --frobnicate")]
    public async Task Bad_usage_names_the_option(string arguments, string message)
    {
        var result = await ProcessRunner.RunAsync("dotnet", [OperatorDll, .. arguments.Split(' ')], timeout: TimeSpan.FromMinutes(1));
        result.ExitCode.Should().Be(2);
        result.StandardError.Trim().Should().StartWith($"longshore-operator: {message}");
    }

    [Fact]
    public async Task A_bad_environment_variable_is_named()
    {
        var result = await ProcessRunner.RunAsync("dotnet", [OperatorDll], environment: new Dictionary<string, string> { ["LONGSHORE_RESOLVE_INTERVAL"] = "5x" }, timeout: TimeSpan.FromMinutes(1));
        result.ExitCode.Should().Be(2);
        result.StandardError.Trim().Should().StartWith("longshore-operator: LONGSHORE_RESOLVE_INTERVAL: '5x' is not a positive duration such as 30s or 5m");
    }

    [Fact]
    public async Task Help_lists_every_option_with_its_default_and_variable()
    {
        var result = await ProcessRunner.RunAsync("dotnet", [OperatorDll, "--help"], timeout: TimeSpan.FromMinutes(1));
        result.ExitCode.Should().Be(0);
        var help = string.Join(' ', result.StandardOutput.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries));
        foreach (var (option, fragment) in new[]
        {
            ("--kubeconfig", "[env: LONGSHORE_KUBECONFIG]"),
            ("--namespace", "[default: longshore-system] [env: POD_NAMESPACE]"),
            ("--metrics-port", "[default: 8080] [env: LONGSHORE_METRICS_PORT]"),
            ("--webhook-port", "[default: 9443] [env: LONGSHORE_WEBHOOK_PORT]"),
            ("--webhook-cert-dir", "[env: LONGSHORE_WEBHOOK_CERT_DIR]"),
            ("--webhook-cert-secret", "[default: longshore-webhook-tls] [env: LONGSHORE_WEBHOOK_CERT_SECRET]"),
            ("--webhook-service", "[default: longshore-webhook] [env: LONGSHORE_WEBHOOK_SERVICE]"),
            ("--webhook-extra-name", "[env: LONGSHORE_WEBHOOK_EXTRA_NAME]"),
            ("--validating-webhook-configuration", "[default: longshore-validating-webhook] [env: LONGSHORE_VALIDATING_WEBHOOK_CONFIGURATION]"),
            ("--mutating-webhook-configuration", "[default: longshore-mutating-webhook] [env: LONGSHORE_MUTATING_WEBHOOK_CONFIGURATION]"),
            ("--listen-address", "[default: 0.0.0.0] [env: LONGSHORE_LISTEN_ADDRESS]"),
            ("--insecure-registry", "[env: LONGSHORE_INSECURE_REGISTRY]"),
            ("--no-leader-election", "[env: LONGSHORE_NO_LEADER_ELECTION]"),
            ("--lease-duration", "[default: 15] [env: LONGSHORE_LEASE_DURATION]"),
            ("--identity", "[env: POD_NAME]"),
            ("--resolve-interval", "[default: 5m] [env: LONGSHORE_RESOLVE_INTERVAL]"),
            ("--log-format", "[default: text] [env: LONGSHORE_LOG_FORMAT]"),
            ("--log-level", "[default: information] [env: LONGSHORE_LOG_LEVEL]"),
        })
        {
            help.Should().Contain(option).And.Contain(fragment, $"help describes {option}");
        }
    }

    private static string OperatorDll => Path.Combine(AppContext.BaseDirectory, "longshore-operator.dll");
}
