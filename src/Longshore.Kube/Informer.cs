using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Longshore.Kube;

/// <summary>
/// Keeps an <see cref="ObjectCache{T}"/> in step with the API server: list, then watch from the list's resourceVersion;
/// re-watch from the last seen version when the server closes the stream; re-list (emitting the differences, so no
/// update is lost) on 410 Gone; back off and retry when the server is unreachable.
/// </summary>
public sealed class Informer<T>(ResourceClient<T> client, ListOptions? options = null, ILogger? logger = null, TimeProvider? time = null)
    where T : IKubernetesObject<V1ObjectMeta>
{
    private static readonly Backoff RetryBackoff = new(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30));
    private readonly ListOptions _options = options ?? new ListOptions();
    private readonly ILogger _logger = logger ?? NullLogger.Instance;
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<Action<ObjectEvent<T>>> _handlers = [];

    public ObjectCache<T> Cache { get; } = new();

    /// <summary>Completes after the first successful list.</summary>
    public Task Synced => _synced.Task;

    /// <summary>How many times the informer listed (the first list included); a re-list follows 410 Gone.</summary>
    public int Lists { get; private set; }

    public string LastResourceVersion { get; private set; } = string.Empty;

    /// <summary>Called for every add, update and delete the cache sees, on the informer's loop.</summary>
    public void OnEvent(Action<WatchEventType, T> handler) => _handlers.Add(e => handler(e.Type, e.Object));

    /// <summary>Like <see cref="OnEvent(Action{WatchEventType, T})"/>, with the object as the cache held it before (for predicates).</summary>
    public void OnEvent(Action<ObjectEvent<T>> handler) => _handlers.Add(handler);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        var needList = true;
        while (!cancellationToken.IsCancellationRequested)
        {
            long? watchStarted = null;
            try
            {
                if (needList)
                {
                    await ListAsync(cancellationToken);
                    needList = false;
                }

                Exception? streamError = null;
                watchStarted = _time.GetTimestamp();
                await foreach (var (type, item) in client.WatchAsync(LastResourceVersion, _options, e => streamError = e, cancellationToken))
                {
                    failures = 0;
                    if (type == WatchEventType.Error)
                    {
                        // An ERROR event carries a Status, almost always 410 Expired: the version left the watch window.
                        _logger.LogInformation("{Kind} watch from {Version} expired; listing again", typeof(T).Name, LastResourceVersion);
                        needList = true;
                        break;
                    }

                    Apply(type, item);
                }

                if (streamError is not null)
                {
                    throw streamError;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (IsGone(e))
            {
                _logger.LogInformation("{Kind} watch from {Version} is too old; listing again", typeof(T).Name, LastResourceVersion);
                needList = true;
            }
            catch (Exception e) when (watchStarted is { } started && IsTransport(e) && _time.GetElapsedTime(started) >= TimeSpan.FromSeconds(1))
            {
                // The server ends every watch after its timeout, often mid-chunk, which the client reports as a transport
                // error. As client-go does, a watch that lived a while is resumed from the last version; only a watch that
                // fails at once counts as a failure and backs off.
                _logger.LogDebug("{Kind} watch ended ({Error}); resuming from {Version}", typeof(T).Name, e.Message, LastResourceVersion);
            }
            catch (Exception e)
            {
                failures++;
                var delay = RetryBackoff.Delay(failures);
                _logger.LogWarning("{Kind} list/watch failed ({Error}); retrying in {Delay}", typeof(T).Name, e.Message, delay);
                try
                {
                    await Task.Delay(delay, _time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task ListAsync(CancellationToken cancellationToken)
    {
        var list = await client.ListAsync(_options, cancellationToken);
        Lists++;
        var seen = new HashSet<ResourceKey>();
        foreach (var item in list.Items)
        {
            seen.Add(ResourceKey.Of(item));
            var existing = Cache.Get(ResourceKey.Of(item));
            if (existing is null)
            {
                Apply(WatchEventType.Added, item);
            }
            else if (existing.Metadata.ResourceVersion != item.Metadata.ResourceVersion)
            {
                Apply(WatchEventType.Modified, item);
            }
        }

        foreach (var key in Cache.Keys.Where(k => !seen.Contains(k)))
        {
            if (Cache.Remove(key, out var gone) && gone is not null)
            {
                Notify(new ObjectEvent<T>(WatchEventType.Deleted, gone, gone));
            }
        }

        LastResourceVersion = list.Metadata.ResourceVersion ?? string.Empty;
        _synced.TrySetResult();
    }

    private void Apply(WatchEventType type, T item)
    {
        if (item.Metadata?.ResourceVersion is { } version)
        {
            LastResourceVersion = version;
        }

        switch (type)
        {
            case WatchEventType.Added or WatchEventType.Modified:
                var previous = Cache.Get(ResourceKey.Of(item));
                Cache.Set(item);
                Notify(new ObjectEvent<T>(previous is null ? WatchEventType.Added : WatchEventType.Modified, item, previous));
                break;
            case WatchEventType.Deleted:
                Cache.Remove(ResourceKey.Of(item), out var removed);
                Notify(new ObjectEvent<T>(type, item, removed));
                break;
            default:
                // Bookmarks only move the resourceVersion.
                break;
        }
    }

    private void Notify(ObjectEvent<T> change)
    {
        foreach (var handler in _handlers)
        {
            try
            {
                handler(change);
            }
            catch (Exception e)
            {
                _logger.LogError(e, "{Kind} event handler failed", typeof(T).Name);
            }
        }
    }

    private static bool IsTransport(Exception e) => e is IOException or HttpRequestException || (e.InnerException is not null && IsTransport(e.InnerException));

    private static bool IsGone(Exception e) => e switch
    {
        HttpOperationException http => http.Response.StatusCode == HttpStatusCode.Gone,
        KubernetesException kubernetes => kubernetes.Status?.Code == 410,
        _ => e.InnerException is not null && IsGone(e.InnerException),
    };
}
