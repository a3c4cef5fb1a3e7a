using k8s;
using Longshore.Api;
using Longshore.Oci;
using Longshore.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Longshore.Agent;

/// <summary>
/// A GitOps loop for one host without a cluster: applies the ImagePrePull objects in a folder of YAML files to the
/// local runtime (pull what is missing, pin it), unpins what the folder no longer lists, and re-reads the folder when
/// it changes; images removed behind its back come back at once where the runtime reports removals, else at the next
/// resync.
/// </summary>
public sealed class StandaloneAgent(string manifests, IImageRuntime runtime, TimeSpan resync, ILogger? logger = null)
{
    private readonly ILogger _logger = logger ?? NullLogger.Instance;
    private readonly HashSet<string> _pinned = new(StringComparer.Ordinal);

    /// <summary>What the last pass found: per image, Present or the error.</summary>
    public IReadOnlyDictionary<string, string> LastResult { get; private set; } = new Dictionary<string, string>();

    public int Passes { get; private set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var changed = new SemaphoreSlim(0);
        using var watcher = new FileSystemWatcher(manifests) { IncludeSubdirectories = false, EnableRaisingEvents = true };
        void Signal(object? sender, EventArgs e)
        {
            if (changed.CurrentCount == 0)
            {
                changed.Release();
            }
        }

        watcher.Changed += Signal;
        watcher.Created += Signal;
        watcher.Deleted += Signal;
        watcher.Renamed += Signal;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var removals = RemovalFeed.FollowAsync(runtime, () => Signal(null, EventArgs.Empty), resync, TimeProvider.System, _logger, stop.Token);
        try
        {
            await LoopAsync(changed, cancellationToken);
        }
        finally
        {
            await stop.CancelAsync();
            await removals;
        }
    }

    private async Task LoopAsync(SemaphoreSlim changed, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await ApplyOnceAsync(cancellationToken);
            try
            {
                await changed.WaitAsync(resync, cancellationToken);
                // Editors write in several steps: let the folder settle.
                await Task.Delay(200, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One pass over the folder. Bad files are reported and skipped; they never stop the others.</summary>
    public async Task ApplyOnceAsync(CancellationToken cancellationToken)
    {
        var wanted = new Dictionary<string, bool>(StringComparer.Ordinal);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var validator = new ImagePrePullValidator();
        foreach (var file in Directory.EnumerateFiles(manifests).Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            List<object> documents;
            try
            {
                documents = KubernetesYaml.LoadAllFromString(await File.ReadAllTextAsync(file, cancellationToken), new Dictionary<string, Type> { [$"{ApiGroup.ApiVersion}/{V1Alpha1ImagePrePull.KindName}"] = typeof(V1Alpha1ImagePrePull) });
            }
            catch (Exception e) when (e is YamlDotNet.Core.YamlException or InvalidOperationException or System.Text.Json.JsonException)
            {
                _logger.LogWarning("skipping {File}: {Error}", file, e.Message);
                result[Path.GetFileName(file)] = $"unreadable: {e.Message}";
                continue;
            }

            foreach (var prePull in documents.OfType<V1Alpha1ImagePrePull>())
            {
                var problems = validator.Validate(prePull).Errors.Select(e => $"{e.PropertyName}: {e.ErrorMessage}").ToList();
                if (problems.Count > 0)
                {
                    _logger.LogWarning("skipping ImagePrePull {Name} in {File}: {Problems}", prePull.Metadata.Name, file, string.Join("; ", problems));
                    result[$"{Path.GetFileName(file)}/{prePull.Metadata.Name}"] = $"invalid: {string.Join("; ", problems)}";
                    continue;
                }

                foreach (var image in prePull.Spec.Images)
                {
                    wanted[ImageReference.Parse(image).ToString()] = wanted.GetValueOrDefault(ImageReference.Parse(image).ToString()) || prePull.Spec.Pin;
                }
            }
        }

        var info = await runtime.InfoAsync(cancellationToken);
        foreach (var (reference, pin) in wanted)
        {
            try
            {
                if (await runtime.ImageStatusAsync(reference, cancellationToken) is null)
                {
                    _logger.LogInformation("pulling {Image}", reference);
                    await runtime.PullAsync(reference, null, cancellationToken);
                }

                if (pin && info.PinningSupported)
                {
                    await runtime.PinAsync(reference, true, cancellationToken);
                    _pinned.Add(reference);
                }

                result[reference] = "Present";
            }
            catch (RuntimeException e)
            {
                _logger.LogWarning("{Image}: {Error}", reference, e.Message);
                result[reference] = e.Message;
            }
        }

        foreach (var reference in _pinned.Where(r => !wanted.ContainsKey(r)).ToList())
        {
            if (await runtime.ImageStatusAsync(reference, cancellationToken) is not null)
            {
                await runtime.PinAsync(reference, false, cancellationToken);
            }

            _pinned.Remove(reference);
            _logger.LogInformation("{Image} is no longer listed: unpinned (kept)", reference);
        }

        LastResult = result;
        Passes++;
    }
}
