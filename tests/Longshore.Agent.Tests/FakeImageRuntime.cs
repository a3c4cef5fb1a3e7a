using System.Runtime.CompilerServices;
using Longshore.Oci;
using Longshore.Runtime;

namespace Longshore.Agent.Tests;

/// <summary>
/// An in-memory runtime: images by ID, pulls that do what the test says (install an image, fail, or wait until
/// released or cancelled), and a count of every call so tests can check how often the runtime is asked.
/// </summary>
internal sealed class FakeImageRuntime(bool pinning = true) : IImageRuntime
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, RuntimeImage> _images = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _calls = new(StringComparer.Ordinal);
    private int _pulling;

    /// <summary>What a pull of a reference does; by default it installs an image named by the reference.</summary>
    public Func<string, RegistryCredential?, CancellationToken, Task>? OnPull { get; set; }

    /// <summary>Called as each listing starts.</summary>
    public Action? OnList { get; set; }

    /// <summary>Image IDs containers use; the callback runs as each in-use query starts (a container may start in between).</summary>
    public HashSet<string> InUse { get; } = new(StringComparer.Ordinal);

    public Action? OnInUse { get; set; }

    public ImageFilesystemUsage Usage { get; set; } = new(1000, 10_000);

    public int MaxConcurrentPulls { get; private set; }

    public int Pulling => Volatile.Read(ref _pulling);

    public List<string> Pulled { get; } = [];

    public List<RegistryCredential?> Credentials { get; } = [];

    public int Calls(string method)
    {
        lock (_lock)
        {
            return _calls.GetValueOrDefault(method);
        }
    }

    public int TotalCalls()
    {
        lock (_lock)
        {
            return _calls.Values.Sum();
        }
    }

    public void ResetCalls()
    {
        lock (_lock)
        {
            _calls.Clear();
        }
    }

    /// <param name="pinnedByOther">The pin is someone else's (an administrator's, the runtime's own), not the agent's.</param>
    public RuntimeImage Add(string id, IReadOnlyList<string> tags, IReadOnlyList<string>? digests = null, long size = 100, bool pinned = false, bool pinnedByOther = false)
    {
        var image = new RuntimeImage(id, tags, digests ?? [], size, pinned || pinnedByOther, pinned && !pinnedByOther);
        lock (_lock)
        {
            _images[id] = image;
        }

        return image;
    }

    public void Remove(string id)
    {
        lock (_lock)
        {
            _images.Remove(id);
        }
    }

    public RuntimeImage? Get(string id)
    {
        lock (_lock)
        {
            return _images.GetValueOrDefault(id);
        }
    }

    public RuntimeImage? ByName(string name)
    {
        lock (_lock)
        {
            return _images.Values.FirstOrDefault(i => i.Id == name || i.RepoTags.Contains(name) || i.RepoDigests.Contains(name));
        }
    }

    public Task<RuntimeInfo> InfoAsync(CancellationToken cancellationToken = default)
    {
        Count("Info");
        return Task.FromResult(new RuntimeInfo("fake", "1", pinning));
    }

    public Task<IReadOnlyList<RuntimeImage>> ListImagesAsync(CancellationToken cancellationToken = default)
    {
        Count("ListImages");
        OnList?.Invoke();
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<RuntimeImage>>(_images.Values.ToList());
        }
    }

    public Task<RuntimeImage?> ImageStatusAsync(string reference, CancellationToken cancellationToken = default)
    {
        Count("ImageStatus");
        return Task.FromResult(ByName(reference));
    }

    public async Task<string> PullAsync(string reference, RegistryCredential? credential, CancellationToken cancellationToken = default)
    {
        Count("Pull");
        var now = Interlocked.Increment(ref _pulling);
        lock (_lock)
        {
            MaxConcurrentPulls = Math.Max(MaxConcurrentPulls, now);
            Pulled.Add(reference);
            Credentials.Add(credential);
        }

        try
        {
            if (OnPull is { } pull)
            {
                await pull(reference, credential, cancellationToken);
            }

            if (ByName(reference) is null)
            {
                Add("sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(reference))), [reference]);
            }

            return ByName(reference)!.Id;
        }
        finally
        {
            Interlocked.Decrement(ref _pulling);
        }
    }

    public Task RemoveAsync(string reference, CancellationToken cancellationToken = default)
    {
        Count("Remove");
        if (ByName(reference) is { } image)
        {
            Remove(image.Id);
        }

        return Task.CompletedTask;
    }

    public Task PinAsync(string reference, bool pinned, CancellationToken cancellationToken = default)
    {
        Count("Pin");
        var image = ByName(reference) ?? throw new RuntimeException($"cannot pin {reference}: not here", RuntimeErrorKind.NotFound);
        Repin(image, pinned);
        return Task.CompletedTask;
    }

    public Task PinAsync(IReadOnlyCollection<RuntimeImage> images, bool pinned, CancellationToken cancellationToken = default)
    {
        if (images.Count == 0)
        {
            return Task.CompletedTask;
        }

        Count("PinMany");
        foreach (var image in images)
        {
            if (Get(image.Id) is { } current)
            {
                Repin(current, pinned);
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlySet<string>> InUseImageIdsAsync(CancellationToken cancellationToken = default)
    {
        Count("InUse");
        OnInUse?.Invoke();
        lock (_lock)
        {
            return Task.FromResult<IReadOnlySet<string>>(InUse.ToHashSet(StringComparer.Ordinal));
        }
    }

    public Task<ImageFilesystemUsage?> FilesystemUsageAsync(CancellationToken cancellationToken = default)
    {
        Count("FilesystemUsage");
        lock (_lock)
        {
            return Task.FromResult<ImageFilesystemUsage?>(Usage with { UsedBytes = _images.Values.Sum(i => i.Size) });
        }
    }

    public async IAsyncEnumerable<string> RemovedImagesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.CompletedTask;
        yield break;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>As containerd does with the agent's mark: a pin someone else set is neither taken over nor removed.</summary>
    private void Repin(RuntimeImage image, bool pinned)
    {
        var others = image.Pinned && !image.PinnedByAgent;
        Add(image.Id, image.RepoTags, image.RepoDigests, image.Size, pinned && !others, others);
    }

    private void Count(string method)
    {
        lock (_lock)
        {
            _calls[method] = _calls.GetValueOrDefault(method) + 1;
        }
    }
}
