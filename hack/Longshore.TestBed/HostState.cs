using System.Globalization;

namespace Longshore.TestBed;

/// <summary>
/// What a <see cref="KubeNode"/> could leave behind on the host, taken before and after to prove it leaves nothing:
/// processes outside the host's mount namespace, mounts, top-level cgroup folders, network links and the kernel
/// settings kubelet writes.
/// </summary>
public sealed record HostState(
    IReadOnlySet<string> ForeignProcesses,
    IReadOnlySet<string> Mounts,
    IReadOnlySet<string> CgroupFolders,
    IReadOnlySet<string> Links,
    IReadOnlyDictionary<string, string> Sysctls,
    IReadOnlySet<string> FixedPaths)
{
    /// <summary>Host paths kubelet, containerd and CNI use by default; a node keeps them inside its mount namespace.</summary>
    public static readonly string[] WatchedPaths =
    [
        "/var/log/pods", "/var/log/containers", "/var/lib/kubelet", "/var/lib/cni", "/var/lib/containerd", "/opt/containerd",
        "/usr/libexec/kubernetes", "/etc/cni/net.d", "/run/netns",
    ];

    public static async Task<HostState> CaptureAsync()
    {
        var own = new FileInfo("/proc/self/ns/mnt").LinkTarget;
        var processes = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            var name = Path.GetFileName(entry);
            if (!int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                continue;
            }

            try
            {
                var mnt = new FileInfo(Path.Combine(entry, "ns", "mnt")).LinkTarget;
                if (mnt is not null && mnt != own)
                {
                    processes.Add($"{name} {(await File.ReadAllTextAsync(Path.Combine(entry, "comm"))).Trim()} {mnt}");
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }

        var mounts = new SortedSet<string>(
            (await File.ReadAllLinesAsync("/proc/self/mountinfo")).Select(l => l.Split(' ')).Select(p => $"{p[4]} {p[^3]}"),
            StringComparer.Ordinal);
        var cgroups = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var hierarchy in await KubeNode.CgroupV1HierarchiesAsync())
        {
            foreach (var folder in Directory.EnumerateDirectories(hierarchy))
            {
                cgroups.Add(folder);
            }
        }

        var links = new SortedSet<string>(Directory.EnumerateDirectories("/sys/class/net").Select(Path.GetFileName)!, StringComparer.Ordinal);
        var sysctls = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var sysctl in NodeNamespace.ShadowedSysctls.Concat(["vm/panic_on_oom", "kernel/keys/root_maxkeys", "kernel/keys/root_maxbytes", "net/ipv4/ip_forward"]))
        {
            sysctls[sysctl] = (await File.ReadAllTextAsync($"/proc/sys/{sysctl}")).Trim();
        }

        var paths = new SortedSet<string>(WatchedPaths.Where(Path.Exists), StringComparer.Ordinal);
        return new HostState(processes, mounts, cgroups, links, sysctls, paths);
    }

    /// <summary>Lines describing what differs from <paramref name="before"/> (empty when nothing does).</summary>
    public IReadOnlyList<string> Differences(HostState before)
    {
        var lines = new List<string>();
        void Compare(string what, IReadOnlySet<string> then, IReadOnlySet<string> now)
        {
            lines.AddRange(now.Except(then).Select(x => $"{what} appeared: {x}"));
            lines.AddRange(then.Except(now).Select(x => $"{what} disappeared: {x}"));
        }

        Compare("process outside the host's mount namespace", before.ForeignProcesses, ForeignProcesses);
        Compare("mount", before.Mounts, Mounts);
        Compare("cgroup folder", before.CgroupFolders, CgroupFolders);
        Compare("link", before.Links, Links);
        Compare("host path", before.FixedPaths, FixedPaths);
        lines.AddRange(Sysctls.Where(s => before.Sysctls.GetValueOrDefault(s.Key) != s.Value).Select(s => $"sysctl {s.Key}: {before.Sysctls.GetValueOrDefault(s.Key)} -> {s.Value}"));
        return lines;
    }
}
