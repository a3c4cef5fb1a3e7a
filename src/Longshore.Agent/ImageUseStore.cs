using System.Text.Json;
using System.Text.Json.Serialization;
using Longshore.Runtime;

namespace Longshore.Agent;

/// <summary>
/// The agent's memory on the node, kept in a small JSON file on the host path so it survives agent restarts (kubelet's
/// own last-use times do not): when a container last used each image (or when the agent first saw it), fed by the
/// runtime's container list on every resync, and the prune runs already executed, which are never run again. Written
/// atomically (temporary file, fsync, rename); with no folder it lives in memory only.
/// </summary>
public sealed class ImageUseStore
{
    public const string FileName = "image-use.json";

    /// <summary>Last-use times move on disk at this granularity, so a busy node does not rewrite the file every resync.</summary>
    private static readonly TimeSpan Granularity = TimeSpan.FromMinutes(1);

    /// <summary>Runs remembered per ImagePrune: far more than an operator keeps asking for at once.</summary>
    private const int RunsPerPrune = 50;

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    private readonly Lock _lock = new();
    private readonly string? _path;
    private readonly ILogger _logger;
    private readonly Dictionary<string, DateTimeOffset> _lastUsed;
    private readonly Dictionary<string, List<string>> _runs;
    private Dictionary<string, DateTimeOffset> _written;

    private ImageUseStore(string? path, State state, ILogger logger)
    {
        _path = path;
        _logger = logger;
        _lastUsed = new Dictionary<string, DateTimeOffset>(state.LastUsed ?? [], StringComparer.Ordinal);
        _runs = (state.Runs ?? []).ToDictionary(r => r.Key, r => r.Value.ToList(), StringComparer.Ordinal);
        _written = new Dictionary<string, DateTimeOffset>(_lastUsed, StringComparer.Ordinal);
    }

    /// <summary>The store in <paramref name="folder"/> (created if missing), or in memory when null. An unreadable file is set aside and the store starts empty.</summary>
    public static ImageUseStore Open(string? folder, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        if (folder is null)
        {
            return new ImageUseStore(null, new State(), logger);
        }

        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, FileName);
        var state = new State();
        if (File.Exists(path))
        {
            try
            {
                state = JsonSerializer.Deserialize<State>(File.ReadAllBytes(path), Json) ?? new State();
            }
            catch (JsonException e)
            {
                // Starting empty is safe: an image never seen counts as just used, so nothing is pruned for age until it ages here.
                var aside = path + ".corrupt";
                File.Move(path, aside, overwrite: true);
                logger.LogWarning(e, "The image-use state {Path} was unreadable; moved it to {Aside} and starting afresh", path, aside);
            }
        }

        return new ImageUseStore(path, state, logger);
    }

    /// <summary>When a container last used the image, or when the agent first saw it; null when never seen.</summary>
    public DateTimeOffset? LastUsed(string imageId)
    {
        lock (_lock)
        {
            return _lastUsed.TryGetValue(imageId, out var at) ? at : null;
        }
    }

    /// <summary>
    /// Records one look at the runtime: images a container uses (running or exited) were used now, images seen for the
    /// first time arrived now, images gone are forgotten. Persists when that changed what is on disk.
    /// </summary>
    public void Observe(IReadOnlyList<RuntimeImage> images, IReadOnlySet<string> inUse, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(inUse);
        lock (_lock)
        {
            var present = images.Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
            var changed = false;
            foreach (var gone in _lastUsed.Keys.Where(id => !present.Contains(id)).ToList())
            {
                _lastUsed.Remove(gone);
                changed = true;
            }

            foreach (var image in images)
            {
                if (!_lastUsed.ContainsKey(image.Id) || PrunePlanner.InUse(inUse, image))
                {
                    changed |= !_written.TryGetValue(image.Id, out var written) || now - written >= Granularity;
                    _lastUsed[image.Id] = now;
                }
            }

            if (changed)
            {
                Save();
            }
        }
    }

    public bool HasRun(string name, string runId)
    {
        lock (_lock)
        {
            return _runs.TryGetValue(name, out var runs) && runs.Contains(runId, StringComparer.Ordinal);
        }
    }

    /// <summary>Records that a run started, durably, before it does anything: a restart never repeats it.</summary>
    public void MarkRun(string name, string runId)
    {
        lock (_lock)
        {
            if (!_runs.TryGetValue(name, out var runs))
            {
                _runs[name] = runs = [];
            }

            if (runs.Contains(runId, StringComparer.Ordinal))
            {
                return;
            }

            runs.Add(runId);
            if (runs.Count > RunsPerPrune)
            {
                runs.RemoveRange(0, runs.Count - RunsPerPrune);
            }

            Save();
        }
    }

    private void Save()
    {
        _written = new Dictionary<string, DateTimeOffset>(_lastUsed, StringComparer.Ordinal);
        if (_path is null)
        {
            return;
        }

        var state = new State { LastUsed = new Dictionary<string, DateTimeOffset>(_lastUsed, StringComparer.Ordinal), Runs = _runs.ToDictionary(r => r.Key, r => r.Value.ToList(), StringComparer.Ordinal) };
        var temporary = _path + ".tmp";
        try
        {
            using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                JsonSerializer.Serialize(file, state, Json);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, _path, overwrite: true);

            // The rename is durable only once the folder is flushed: after a power cut the state must not go back to
            // an older file that lacks a run already started (runs are never repeated).
            Longshore.LayerStore.DirectorySync.Flush(Path.GetDirectoryName(Path.GetFullPath(_path))!);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The agent keeps working from memory; the next change tries again.
            _logger.LogWarning(e, "Could not write the image-use state {Path}", _path);
        }
    }

    private sealed class State
    {
        [JsonPropertyName("lastUsed")]
        public Dictionary<string, DateTimeOffset>? LastUsed { get; set; }

        [JsonPropertyName("runs")]
        public Dictionary<string, List<string>>? Runs { get; set; }
    }
}
