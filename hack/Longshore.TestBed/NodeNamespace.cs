using System.Globalization;

namespace Longshore.TestBed;

/// <summary>
/// A private network namespace and mount namespace for one <see cref="KubeNode"/>, held open by a <c>sleep</c>.
/// Inside it the node's fixed host paths (<c>/var/log</c>, <c>/var/lib</c>, <c>/run/containerd</c>) and the three
/// <c>/proc/sys</c> files kubelet writes are bind mounts of files in the node's work folder, so nothing reaches the host.
/// A veth pair links it to the host: the node's address lives on the far end, and the test process reaches the node's
/// API server and registry at that address (traffic only into a namespace the test created). When the holder dies the
/// namespaces vanish with every mount, bridge and veth in them.
/// </summary>
public sealed class NodeNamespace : IAsyncDisposable
{
    /// <summary>The kernel settings kubelet 1.20 writes at start, each shadowed by a file inside the namespace.</summary>
    public static readonly string[] ShadowedSysctls = ["vm/overcommit_memory", "kernel/panic", "kernel/panic_on_oops"];

    private const int MaxIndex = 256;
    private readonly ServiceProcess _holder;
    private readonly bool _createdRunContainerd;

    private NodeNamespace(ServiceProcess holder, int index, string hostLink, bool createdRunContainerd, string shadowFolder)
    {
        ShadowFolder = shadowFolder;
        _holder = holder;
        _createdRunContainerd = createdRunContainerd;
        Index = index;
        HostLink = hostLink;
        HostAddress = VethAddress(index, 1);
        Address = VethAddress(index, 2);
        CommandPrefix = ["nsenter", "-t", holder.Id.ToString(CultureInfo.InvariantCulture), "-m", "-n", "--"];
    }

    /// <summary>Distinguishes side-by-side nodes: picks the veth subnet, the pod subnet and names.</summary>
    public int Index { get; }

    /// <summary>The node's address inside the namespace (veth far end, /30 shared with <see cref="HostAddress"/>).</summary>
    public string Address { get; }

    /// <summary>The host's end of the veth pair.</summary>
    public string HostAddress { get; }

    /// <summary>The host-side veth's name (<c>lsnN</c>).</summary>
    public string HostLink { get; }

    /// <summary>A private pod subnet, distinct per node (only routed inside the namespace).</summary>
    public string PodSubnet => $"100.96.{Index}.0/24";

    /// <summary>The files and folders mounted over the host's paths inside the namespace (<c>sysctl/vm.overcommit_memory</c>, <c>var-log</c>, …).</summary>
    public string ShadowFolder { get; }

    /// <summary>The process whose namespaces the node's components join.</summary>
    public int HolderId => _holder.Id;

    /// <summary>Prefix a command with this to run it inside both namespaces.</summary>
    public IReadOnlyList<string> CommandPrefix { get; }

    /// <summary>Creates the namespaces with their bind mounts over <paramref name="workDirectory"/> and links them to the host.</summary>
    public static async Task<NodeNamespace> CreateAsync(string workDirectory, CancellationToken cancellationToken = default)
    {
        ComponentLocator.Require("unshare", "util-linux");
        ComponentLocator.Require("nsenter", "util-linux");
        var ip = ComponentLocator.Require("ip", "iproute2");
        var shadow = Path.Combine(workDirectory, "shadow");
        var script = new List<string> { "set -e" };
        foreach (var sysctl in ShadowedSysctls)
        {
            var file = Path.Combine(shadow, "sysctl", sysctl.Replace('/', '.'));
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            await File.WriteAllTextAsync(file, await File.ReadAllTextAsync($"/proc/sys/{sysctl}", cancellationToken), cancellationToken);
            script.Add($"mount --bind '{file}' /proc/sys/{sysctl}");
        }

        // /run/containerd is where runc shims keep state; make sure the mount point exists on the host, and remember
        // whether this node made it so stop removes it again.
        var createdRunContainerd = !Directory.Exists("/run/containerd");
        Directory.CreateDirectory("/run/containerd");
        foreach (var (target, name) in new[] { ("/var/log", "var-log"), ("/var/lib", "var-lib"), ("/run/containerd", "run-containerd") })
        {
            var source = Path.Combine(shadow, name);
            Directory.CreateDirectory(source);
            script.Add($"mount --bind '{source}' {target}");
        }

        script.Add("ip link set lo up");
        script.Add("echo namespace-ready");
        script.Add("exec sleep infinity");
        var holder = ServiceProcess.Start("unshare", ["--mount", "--net", "--propagation", "private", "--", "/bin/sh", "-c", string.Join('\n', script)]);
        try
        {
            await holder.WaitUntilAsync(_ => Task.FromResult(holder.OutputTail.Contains("namespace-ready", StringComparison.Ordinal)), TimeSpan.FromSeconds(10), cancellationToken);
            var (index, link) = await ClaimVethAsync(ip, holder.Id, cancellationToken);
            var space = new NodeNamespace(holder, index, link, createdRunContainerd, shadow);
            (await ProcessRunner.RunAsync(ip, ["addr", "add", $"{space.HostAddress}/30", "dev", link], cancellationToken: cancellationToken)).EnsureSuccess();
            (await ProcessRunner.RunAsync(ip, ["link", "set", link, "up"], cancellationToken: cancellationToken)).EnsureSuccess();
            (await space.RunAsync(ip, ["addr", "add", $"{space.Address}/30", "dev", "eth0"], cancellationToken)).EnsureSuccess();
            (await space.RunAsync(ip, ["link", "set", "eth0", "up"], cancellationToken)).EnsureSuccess();
            return space;
        }
        catch
        {
            await holder.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs a command to completion inside the namespaces.</summary>
    public Task<ProcessResult> RunAsync(string fileName, IEnumerable<string> arguments, CancellationToken cancellationToken = default)
    {
        var (file, prefixed) = TestBed.CommandPrefix.Apply(CommandPrefix, fileName, arguments);
        return ProcessRunner.RunAsync(file, prefixed, timeout: TimeSpan.FromMinutes(2), cancellationToken: cancellationToken);
    }

    /// <summary>Starts a long-running component inside the namespaces.</summary>
    public ServiceProcess Start(string fileName, IEnumerable<string> arguments) => ServiceProcess.Start(fileName, arguments, commandPrefix: CommandPrefix);

    /// <summary>Processes (other than the holder) still inside the mount namespace, e.g. containerd's shims.</summary>
    public IReadOnlyList<int> Members()
    {
        var own = MountNamespaceOf(_holder.Id);
        if (own is null)
        {
            return [];
        }

        var members = new List<int>();
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid != _holder.Id && MountNamespaceOf(pid) == own)
            {
                members.Add(pid);
            }
        }

        return members;
    }

    public async ValueTask DisposeAsync()
    {
        // Anything still inside goes first; the namespaces (and the veth, bridge and mounts in them) vanish with the holder.
        foreach (var pid in Members())
        {
            Kill(pid);
        }

        await _holder.DisposeAsync();
        await Poll.UntilAsync(() => !Directory.Exists($"/sys/class/net/{HostLink}"), $"the veth {HostLink} disappears with the namespace", seconds: 10);
        if (_createdRunContainerd)
        {
            try
            {
                Directory.Delete("/run/containerd");
            }
            catch (IOException)
            {
                // Another containerd on the host uses it now.
            }
        }
    }

    /// <summary>Kills a process by id; one that is already gone is fine.</summary>
    internal static void Kill(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            process.Kill();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
        }
    }

    private static string VethAddress(int index, int host) =>
        $"100.72.{index * 4 / 256}.{(index * 4 % 256) + host}";

    private static string? MountNamespaceOf(int pid)
    {
        try
        {
            return new FileInfo($"/proc/{pid}/ns/mnt").LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    // The host-side link name is the claim: creating it fails when a node beside this one already holds the index.
    private static async Task<(int Index, string Link)> ClaimVethAsync(string ip, int holder, CancellationToken cancellationToken)
    {
        var start = Random.Shared.Next(MaxIndex);
        var hostAddresses = (await ProcessRunner.RunAsync(ip, ["-4", "-o", "addr"], cancellationToken: cancellationToken)).EnsureSuccess().StandardOutput;
        for (var i = 0; i < MaxIndex; i++)
        {
            var index = (start + i) % MaxIndex;
            var link = $"lsn{index}";
            if (hostAddresses.Contains($" {VethAddress(index, 1)}/", StringComparison.Ordinal))
            {
                continue;
            }

            var add = await ProcessRunner.RunAsync(ip, ["link", "add", link, "type", "veth", "peer", "name", "eth0", "netns", holder.ToString(CultureInfo.InvariantCulture)], cancellationToken: cancellationToken);
            if (add.ExitCode == 0)
            {
                return (index, link);
            }

            if (!add.StandardError.Contains("exists", StringComparison.OrdinalIgnoreCase))
            {
                add.EnsureSuccess();
            }
        }

        throw new InvalidOperationException($"no free node index: all {MaxIndex} host links lsn0..lsn{MaxIndex - 1} exist");
    }
}
