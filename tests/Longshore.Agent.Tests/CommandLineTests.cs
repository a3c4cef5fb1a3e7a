using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.Agent.Tests;

/// <summary>Bad usage of the agent binary is one line naming the option, and exit code 2; --help lists every option with its default and variable.</summary>
public sealed class CommandLineTests
{
    [Theory]
    [InlineData("--metrics-port abc", "--metrics-port: 'abc' is not a port number")]
    [InlineData("--metrics-port 70000", "--metrics-port: '70000' is not a port number")]
    [InlineData("--max-concurrent-pulls 0", "--max-concurrent-pulls: '0' is not a whole number from 1 to 32")]
    [InlineData("--resync-interval 10", "--resync-interval: '10' is not a positive duration such as 30s or 5m")]
    [InlineData("--standalone", "--standalone needs --manifests DIR")]
    [InlineData("--manifests /nonexistent-folder", "--manifests: folder /nonexistent-folder does not exist")]
    [InlineData("--frobnicate", "unknown option --frobnicate")]
    [InlineData("--node", "--node needs a value")]
    [InlineData("--log-format xml", "--log-format: 'xml' is not one of text, json")]
    public async Task Bad_usage_names_the_option(string arguments, string message)
    {
        var result = await ProcessRunner.RunAsync("dotnet", [AgentDll, .. arguments.Split(' ')], timeout: TimeSpan.FromMinutes(1));
        result.ExitCode.Should().Be(2);
        result.StandardError.Trim().Should().StartWith($"longshore-agent: {message}");
    }

    [Fact]
    public async Task A_bad_environment_variable_is_named()
    {
        var result = await ProcessRunner.RunAsync("dotnet", [AgentDll], environment: new Dictionary<string, string> { ["LONGSHORE_RESYNC_INTERVAL"] = "soon" }, timeout: TimeSpan.FromMinutes(1));
        result.ExitCode.Should().Be(2);
        result.StandardError.Trim().Should().StartWith("longshore-agent: LONGSHORE_RESYNC_INTERVAL: 'soon' is not a positive duration");
    }

    [Fact]
    public async Task Help_lists_every_option_with_its_default_and_variable()
    {
        var result = await ProcessRunner.RunAsync("dotnet", [AgentDll, "--help"], timeout: TimeSpan.FromMinutes(1));
        result.ExitCode.Should().Be(0);
        var help = string.Join(' ', result.StandardOutput.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries));
        foreach (var (option, fragment) in new[]
        {
            ("--node", "[env: NODE_NAME]"),
            ("--namespace", "[default: longshore-system] [env: POD_NAMESPACE]"),
            ("--metrics-port", "[default: 8081] [env: LONGSHORE_METRICS_PORT]"),
            ("--max-concurrent-pulls", "[default: 2] [env: LONGSHORE_MAX_CONCURRENT_PULLS]"),
            ("--resync-interval", "[default: 10s] [env: LONGSHORE_RESYNC_INTERVAL]"),
            ("--heartbeat-interval", "[default: 1m] [env: LONGSHORE_HEARTBEAT_INTERVAL]"),
            ("--runtime-socket", "[env: LONGSHORE_RUNTIME_SOCKET]"),
            ("--embedded-store", "[env: LONGSHORE_EMBEDDED_STORE]"),
            ("--insecure-registry", "[env: LONGSHORE_INSECURE_REGISTRY]"),
            ("--standalone", "[env: LONGSHORE_STANDALONE]"),
            ("--manifests", "[env: LONGSHORE_MANIFESTS]"),
            ("--log-format", "[default: text] [env: LONGSHORE_LOG_FORMAT]"),
            ("--log-level", "[default: information] [env: LONGSHORE_LOG_LEVEL]"),
        })
        {
            help.Should().Contain(option).And.Contain(fragment, $"help describes {option}");
        }
    }

    private static string AgentDll => Path.Combine(AppContext.BaseDirectory, "longshore-agent.dll");
}
