using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.Cli.Tests;

/// <summary>Runs the CLI in-process against a temporary store and credentials file, capturing its output.</summary>
internal sealed class CliRun : IDisposable
{
    private readonly TempDirectory _directory = TempDirectory.Create("longshore-cli");

    public string Store => _directory.Combine("store");

    public string AuthFile => _directory.Combine("auth.json");

    public string Path(string name) => _directory.Combine(name);

    public async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var environment = new Dictionary<string, string?>
        {
            ["LONGSHORE_STORE"] = Store,
            ["LONGSHORE_AUTH_FILE"] = AuthFile,
            ["DOCKER_CONFIG"] = _directory.Combine("docker"),
            ["HOME"] = _directory.Path,
        };
        var code = await CliApplication.RunAsync(args, output, error, environment);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>Loads a built image through <c>image load</c> of an OCI-layout tar; a bare <paramref name="name"/> (no ':' or '/') loads it untagged.</summary>
    public async Task LoadAsync(BuiltImage image, string name)
    {
        var layout = Path("layout-" + Guid.NewGuid().ToString("N"));
        await OciLayoutWriter.WriteAsync(layout, image, name);
        var archive = layout + ".tar";
        await System.Formats.Tar.TarFile.CreateFromDirectoryAsync(layout, archive, includeBaseDirectory: false);
        await OkAsync("image", "load", "-q", "-i", archive);
    }

    public async Task<string> OkAsync(params string[] args)
    {
        var (code, output, error) = await RunAsync(args);
        code.Should().Be(0, $"longshore {string.Join(' ', args)} failed: {error}");
        return output;
    }

    public void Dispose() => _directory.Dispose();
}
