using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.Operator.Tests;

/// <summary>Bad usage of the operator binary is one line naming the option, and exit code 2.</summary>
public sealed class CommandLineTests
{
    [Theory]
    [InlineData("--resolve-interval 5x", "--resolve-interval: '5x' is not a positive duration such as 30s or 5m")]
    [InlineData("--webhook-port -1", "--webhook-port: '-1' is not a port number (1-65535)")]
    [InlineData("--lease-duration 0", "--lease-duration: '0' is not a whole number of seconds above 0")]
    [InlineData("--namespace", "--namespace needs a value")]
    public async Task Bad_usage_names_the_option(string arguments, string message)
    {
        var operatorDll = Path.Combine(AppContext.BaseDirectory, "longshore-operator.dll");
        var result = await ProcessRunner.RunAsync("dotnet", [operatorDll, .. arguments.Split(' ')], timeout: TimeSpan.FromMinutes(1));
        result.ExitCode.Should().Be(2);
        result.StandardError.Trim().Should().StartWith($"longshore-operator: {message}");
    }
}
