using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.Agent.Tests;

/// <summary>Bad usage of the agent binary is one line naming the option, and exit code 2.</summary>
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
    public async Task Bad_usage_names_the_option(string arguments, string message)
    {
        var agent = Path.Combine(AppContext.BaseDirectory, "longshore-agent.dll");
        var result = await ProcessRunner.RunAsync("dotnet", [agent, .. arguments.Split(' ')], timeout: TimeSpan.FromMinutes(1));
        result.ExitCode.Should().Be(2);
        result.StandardError.Trim().Should().StartWith($"longshore-agent: {message}");
    }
}
