namespace Longshore.Kube;

/// <summary>
/// A de-duplicating work queue in controller-runtime's shape: a key waits at most once; a key is never handed to two
/// workers at once (added while processing, it is queued again when <see cref="Done"/> is called); per-key exponential
/// back-off for failures; an overall token bucket so a burst of failures cannot hammer the API server. A key waits for
/// at most one delayed add, the earliest asked for: every reconcile asks to be called again later, and without this
/// the timers of event-driven reconciles would pile up and multiply the reconcile rate over time.
/// </summary>
public sealed class WorkQueue<TKey> : IDisposable
    where TKey : notnull
{
    private readonly Lock _gate = new();
    private readonly Queue<TKey> _queue = new();
    private readonly HashSet<TKey> _dirty = [];
    private readonly HashSet<TKey> _processing = [];
    private readonly Dictionary<TKey, int> _failures = [];
    private readonly Dictionary<TKey, long> _waiting = [];
    private readonly SemaphoreSlim _available = new(0);
    private readonly TimeProvider _time;
    private readonly Backoff _backoff;
    private readonly double _tokensPerSecond;
    private readonly double _burst;
    private double _tokens;
    private long _lastRefill;
    private bool _shutDown;

    public WorkQueue(TimeProvider? time = null, TimeSpan? baseDelay = null, TimeSpan? maxDelay = null, double tokensPerSecond = 10, int burst = 100)
    {
        _time = time ?? TimeProvider.System;
        _backoff = new Backoff(baseDelay ?? TimeSpan.FromMilliseconds(5), maxDelay ?? TimeSpan.FromSeconds(1000));
        _tokensPerSecond = tokensPerSecond;
        _burst = burst;
        _tokens = burst;
        _lastRefill = _time.GetTimestamp();
    }

    /// <summary>Keys waiting (not counting those being processed).</summary>
    public int Depth
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count;
            }
        }
    }

    public void Add(TKey key)
    {
        lock (_gate)
        {
            if (_shutDown || !_dirty.Add(key))
            {
                return;
            }

            if (_processing.Contains(key))
            {
                return;
            }

            _queue.Enqueue(key);
        }

        _available.Release();
    }

    /// <summary>Adds the key once <paramref name="delay"/> has passed.</summary>
    public void AddAfter(TKey key, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            Add(key);
            return;
        }

        var due = _time.GetTimestamp() + (long)(delay.TotalSeconds * _time.TimestampFrequency);
        lock (_gate)
        {
            if (_shutDown || (_waiting.TryGetValue(key, out var earlier) && earlier <= due))
            {
                return;
            }

            _waiting[key] = due;
        }

        _ = DelayedAddAsync(key, delay, due);
    }

    /// <summary>Keys waiting for a delayed add.</summary>
    public int Waiting
    {
        get
        {
            lock (_gate)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>Adds after the key's back-off (doubling per failure) or the overall rate limit, whichever is longer.</summary>
    public TimeSpan AddRateLimited(TKey key)
    {
        TimeSpan delay;
        lock (_gate)
        {
            var failures = _failures.GetValueOrDefault(key) + 1;
            _failures[key] = failures;
            var backoff = _backoff.Delay(failures);
            var bucket = BucketDelay();
            delay = backoff > bucket ? backoff : bucket;
        }

        AddAfter(key, delay);
        return delay;
    }

    /// <summary>Clears the key's failure count (call after a successful reconcile).</summary>
    public void Forget(TKey key)
    {
        lock (_gate)
        {
            _failures.Remove(key);
        }
    }

    public int Failures(TKey key)
    {
        lock (_gate)
        {
            return _failures.GetValueOrDefault(key);
        }
    }

    /// <summary>The next key; the caller owns it until <see cref="Done"/>. Null after shutdown.</summary>
    public async Task<TKey?> GetAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await _available.WaitAsync(cancellationToken);
            lock (_gate)
            {
                if (_queue.Count == 0)
                {
                    if (_shutDown)
                    {
                        _available.Release();
                        return default;
                    }

                    continue;
                }

                var key = _queue.Dequeue();
                _processing.Add(key);
                _dirty.Remove(key);
                return key;
            }
        }
    }

    public void Done(TKey key)
    {
        var requeue = false;
        lock (_gate)
        {
            _processing.Remove(key);
            if (_dirty.Contains(key) && !_shutDown)
            {
                _queue.Enqueue(key);
                requeue = true;
            }
        }

        if (requeue)
        {
            _available.Release();
        }
    }

    public void ShutDown()
    {
        lock (_gate)
        {
            _shutDown = true;
        }

        _available.Release();
    }

    public void Dispose() => _available.Dispose();

    private async Task DelayedAddAsync(TKey key, TimeSpan delay, long due)
    {
        await Task.Delay(delay, _time);
        lock (_gate)
        {
            // An earlier delayed add replaced this one (and has fired, or will).
            if (!_waiting.TryGetValue(key, out var current) || current != due)
            {
                return;
            }

            _waiting.Remove(key);
        }

        Add(key);
    }

    /// <summary>Token bucket: each rate-limited add takes a token; without one it waits for the next.</summary>
    private TimeSpan BucketDelay()
    {
        var now = _time.GetTimestamp();
        _tokens = Math.Min(_burst, _tokens + (_time.GetElapsedTime(_lastRefill, now).TotalSeconds * _tokensPerSecond));
        _lastRefill = now;
        _tokens -= 1;
        return _tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_tokens / _tokensPerSecond);
    }
}
