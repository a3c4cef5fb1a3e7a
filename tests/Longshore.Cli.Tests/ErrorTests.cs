namespace Longshore.Cli.Tests;

public sealed class ErrorTests
{
    [Theory]
    [InlineData(new[] { "image", "pull", "Upper/Case" }, "invalid reference 'Upper/Case'")]
    [InlineData(new[] { "image", "pull", "app", "--platform", "linux//arm" }, "invalid --platform")]
    [InlineData(new[] { "image", "ls", "--filter", "colour=red" }, "invalid filter 'colour'")]
    [InlineData(new[] { "image", "prune", "--filter", "until=someday" }, "invalid until value 'someday'")]
    [InlineData(new[] { "image", "pull", "app", "--insecure-registry", "http://x" }, "--insecure-registry")]
    [InlineData(new[] { "agent", "--standalone", "--manifests", "/no/such/folder" }, "folder /no/such/folder does not exist")]
    public async Task Bad_input_gets_one_clear_line(string[] args, string message)
    {
        using var cli = new CliRun();
        var (code, output, error) = await cli.RunAsync(args);
        code.Should().BeOneOf(1, 2);
        output.Should().BeEmpty();
        error.Should().Contain(message);
        error.Trim().Split('\n').Should().HaveCount(1);
    }

    [Fact]
    public async Task Unknown_command_is_a_usage_error()
    {
        using var cli = new CliRun();
        var (code, _, error) = await cli.RunAsync("image", "frobnicate");
        code.Should().Be(2);
        error.Should().Contain("frobnicate");
    }

    [Fact]
    public async Task Unreachable_registry_is_reported_by_host()
    {
        using var cli = new CliRun();
        var port = TestBed.FreePort.Next();
        var (code, _, error) = await cli.RunAsync("resolve", $"127.0.0.1:{port}/app:1");
        code.Should().Be(1);
        error.Should().Contain($"cannot reach registry 127.0.0.1:{port}");
    }

    [Fact]
    public async Task Fsck_of_an_empty_store_is_clean()
    {
        using var cli = new CliRun();
        (await cli.OkAsync("fsck")).Should().Contain("checked 0 blobs and 0 images: no problems");
    }
}
