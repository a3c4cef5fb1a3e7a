namespace Longshore.TestBed;

/// <summary>Finds the executables of real components (registry, skopeo, containerd, etcd, …).</summary>
public static class ComponentLocator
{
    private static readonly string[] ExtraDirectories = ["/usr/sbin", "/usr/bin", "/usr/local/bin", "/sbin"];

    public static string Require(string executable, string debianPackage) =>
        Find(executable) ?? throw new ComponentMissingException(executable, debianPackage);

    public static string? Find(string executable)
    {
        if (executable.Contains('/', StringComparison.Ordinal))
        {
            return File.Exists(executable) ? executable : null;
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (var directory in path.Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(ExtraDirectories))
        {
            var candidate = Path.Combine(directory, executable);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
