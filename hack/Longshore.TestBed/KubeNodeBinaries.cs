namespace Longshore.TestBed;

/// <summary>kubelet, kube-scheduler and kube-controller-manager v1.20.2, built once by hack/build-kube.sh and cached.</summary>
public sealed record KubeNodeBinaries(string Kubelet, string Scheduler, string ControllerManager)
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static KubeNodeBinaries? _located;

    public static async Task<KubeNodeBinaries> LocateAsync(CancellationToken cancellationToken = default)
    {
        await Gate.WaitAsync(cancellationToken);
        try
        {
            if (_located is not null)
            {
                return _located;
            }

            var script = KubeApiServer.RepositoryFile("hack/build-kube.sh");
            var result = await ProcessRunner.RunAsync("bash", [script, "kubelet", "kube-scheduler", "kube-controller-manager"], timeout: TimeSpan.FromMinutes(40), cancellationToken: cancellationToken);
            if (result.ExitCode != 0)
            {
                throw new ComponentMissingException($"kubelet, kube-scheduler and kube-controller-manager could not be built by {script}: {result.StandardError.Trim()}");
            }

            var paths = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (paths.Length < 3)
            {
                throw new ComponentMissingException($"{script} printed no binary paths: {result.StandardOutput.Trim()}");
            }

            return _located = new KubeNodeBinaries(paths[^3], paths[^2], paths[^1]);
        }
        finally
        {
            Gate.Release();
        }
    }
}
