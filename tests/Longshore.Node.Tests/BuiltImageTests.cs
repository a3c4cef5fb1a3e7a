using Longshore.TestBed;

namespace Longshore.Node.Tests;

/// <summary>The images built from Dockerfile.agent and Dockerfile.operator start and answer, run by podman.</summary>
public sealed class BuiltImageTests
{
    [Theory]
    [InlineData(LongshoreImages.Agent, "longshore-agent", "--runtime-socket")]
    [InlineData(LongshoreImages.Operator, "longshore-operator", "--webhook-cert-dir")]
    public async Task Help_runs_on_a_read_only_root(string image, string command, string option)
    {
        var help = await LongshoreImages.RunAsync(image, ["--help"], ["--read-only"]);

        help.ExitCode.Should().Be(0, help.StandardError);
        help.StandardOutput.Should().Contain($"{command} [options]").And.Contain(option);
    }

    [Theory]
    [InlineData(LongshoreImages.Operator, "65532")]
    [InlineData(LongshoreImages.Agent, "0")]
    public async Task Runs_as_the_user_its_Dockerfile_names(string image, string uid)
    {
        var id = await LongshoreImages.RunAsync(image, ["-u"], ["--entrypoint", "/usr/bin/id"]);

        id.ExitCode.Should().Be(0, id.StandardError);
        id.StandardOutput.Trim().Should().Be(uid);
    }
}
