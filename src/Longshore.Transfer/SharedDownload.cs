using Longshore.Oci;
using Microsoft.Extensions.Logging;

namespace Longshore.Transfer;

/// <summary>
/// One layer download that several pulls wait on. It runs under its own cancellation, not any caller's: pulls join and
/// leave, and only when the last one leaves before it finished is it cancelled (what it fetched stays in the store's
/// <c>ingest/</c> for the next pull to continue). Progress goes to every pull still waiting, never to one that left.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The token source has no timer and no linked token; disposing it could race a last waiter's Cancel while the download ends.")]
internal sealed class SharedDownload(Descriptor layer, ILogger logger) : IProgress<PullProgress>
{
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _cancel = new();
    private readonly List<IProgress<PullProgress>?> _waiters = [];
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task<bool>? _downloaded;
    private bool _closed;
    private int _claimed;

    /// <summary>Completes with the download: true when it fetched the layer, false when the store already held it.</summary>
    public Task<bool> Downloaded => _downloaded ?? throw new InvalidOperationException("the download has not started");

    /// <summary>Completes once the download ended and no pull can join it any more.</summary>
    public Task Ended => _ended.Task;

    /// <summary>Adds a waiting pull; false when the download already ended or is being abandoned.</summary>
    public bool TryJoin(IProgress<PullProgress>? progress)
    {
        lock (_gate)
        {
            if (_closed)
            {
                return false;
            }

            _waiters.Add(progress);
            return true;
        }
    }

    /// <summary>Starts the download unless a waiter already did; <paramref name="finished"/> runs once it ended.</summary>
    public void Start(Func<CancellationToken, Task<bool>> download, Action finished)
    {
        lock (_gate)
        {
            if (_downloaded is not null)
            {
                return;
            }

            var token = _cancel.Token;
            _downloaded = Task.Run(() => RunAsync(download, finished, token), CancellationToken.None);
            // A download every waiter left may still fail; nobody observes that, so it must not count as unobserved.
            _downloaded.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    /// <summary>True for the first waiter to ask after a successful download: the one pull that counts it as downloaded.</summary>
    public bool Claim() => Interlocked.Exchange(ref _claimed, 1) == 0;

    /// <summary>
    /// Removes a waiting pull; the last one to leave an unfinished download cancels it and is told so (true), to wait
    /// for <see cref="Ended"/>: a cancelled pull returns only once its download let go of the layer's ingest file.
    /// </summary>
    public bool Leave(IProgress<PullProgress>? progress)
    {
        lock (_gate)
        {
            _waiters.Remove(progress);
            if (_waiters.Count > 0 || _closed)
            {
                return false;
            }

            _closed = true;
            logger.LogDebug("no pull waits for {Digest} any more; stopping its download, which stays for the next pull to continue", layer.Digest);
            _cancel.Cancel();
            return true;
        }
    }

    public void Report(PullProgress value)
    {
        lock (_gate)
        {
            // A copy: a waiter's callback may end its pull and leave while this loops.
            foreach (var waiter in _waiters.ToArray())
            {
                waiter?.Report(value);
            }
        }
    }

    private async Task<bool> RunAsync(Func<CancellationToken, Task<bool>> download, Action finished, CancellationToken cancellationToken)
    {
        try
        {
            return await download(cancellationToken);
        }
        finally
        {
            lock (_gate)
            {
                _closed = true;
            }

            finished();
            _ended.TrySetResult();
        }
    }
}
