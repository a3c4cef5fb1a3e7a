using Longshore.Oci;

namespace Longshore.Cli;

/// <summary>
/// Registry credentials: Longshore's own file (written by <c>longshore login</c>, Docker's config.json format, mode 0600),
/// then Docker's <c>config.json</c>. Secrets are never printed.
/// </summary>
internal sealed class CredentialStore(string path, string dockerConfigPath)
{
    public string Path { get; } = path;

    public RegistryCredential? Find(string registry) =>
        Load(Path).Find(registry) ?? Load(dockerConfigPath).Find(registry);

    public void Save(string registry, RegistryCredential credential) => Write(Load(Path).With(registry, credential));

    public bool Remove(string registry)
    {
        var config = Load(Path);
        if (config.Find(registry) is null)
        {
            return false;
        }

        Write(config.Without(registry));
        return true;
    }

    private static DockerConfig Load(string file)
    {
        try
        {
            return DockerConfig.Load(file);
        }
        catch (OciFormatException e)
        {
            throw new CliException($"cannot read credentials from {file}: {e.Message}");
        }
    }

    private void Write(DockerConfig config)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        var temporary = Path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            using var writer = new StreamWriter(file);
            writer.Write(config.ToJson());
        }

        File.Move(temporary, Path, overwrite: true);
    }
}
