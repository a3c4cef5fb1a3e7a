using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.Cli.Tests;

[Collection(RegistryCollection.Name)]
public sealed class LoginTests(AuthRegistryFixture registry)
{
    [Fact]
    public async Task Login_checks_stores_privately_and_lets_pull_through()
    {
        var image = new TestImageBuilder().WithFile("private", "1").Build();
        await Skopeo.PublishAsync(image, registry.Server, "cli/private:1");
        using var cli = new CliRun();
        var reference = registry.Server.Reference("cli/private:1");

        var (denied, _, deniedError) = await cli.RunAsync("image", "pull", reference);
        denied.Should().Be(1);
        deniedError.Should().Contain("unauthorized");

        var (wrong, _, wrongError) = await cli.RunAsync("login", registry.Server.Host, "-u", AuthRegistryFixture.Username, "-p", "not-the-password");
        wrong.Should().Be(1);
        wrongError.Should().NotContain("not-the-password");
        File.Exists(cli.AuthFile).Should().BeFalse();

        (await cli.OkAsync("login", registry.Server.Host, "-u", AuthRegistryFixture.Username, "-p", AuthRegistryFixture.Password)).Should().Contain("Login Succeeded");
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(cli.AuthFile).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        (await cli.OkAsync("image", "pull", reference)).Should().Contain(image.ManifestDigest.ToString());

        (await cli.OkAsync("logout", registry.Server.Host)).Should().Contain("Removing login credentials");
        (await cli.RunAsync("resolve", reference)).ExitCode.Should().Be(1);
    }
}
