namespace Longshore.Runtime;

/// <summary>Where CRI runtimes listen, in the order the agent tries them when no socket is configured.</summary>
public static class CriSockets
{
    public static IReadOnlyList<string> Known { get; } =
    [
        "/run/containerd/containerd.sock",
        "/run/k3s/containerd/containerd.sock",
        "/var/run/containerd/containerd.sock",
        "/run/crio/crio.sock",
        "/var/run/crio/crio.sock",
    ];

    /// <summary>The configured socket, else the first known one that exists; null when there is none.</summary>
    public static string? Detect(string? configured = null, Func<string, bool>? exists = null)
    {
        exists ??= File.Exists;
        if (!string.IsNullOrEmpty(configured))
        {
            var path = configured.StartsWith("unix://", StringComparison.Ordinal) ? configured["unix://".Length..] : configured;
            return exists(path) ? path : throw new RuntimeException($"runtime socket {path} does not exist");
        }

        return Known.FirstOrDefault(exists);
    }
}
