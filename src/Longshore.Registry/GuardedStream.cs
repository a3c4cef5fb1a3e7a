namespace Longshore.Registry;

/// <summary>
/// A response body that cannot hang its reader: a read that gets no byte within the idle timeout fails, and so does a
/// body that arrives slower than the minimum rate over the rate window (time spent waiting for data only, so a slow
/// consumer is not blamed on the server). Failures are <see cref="TimeoutException"/>s naming the host.
/// </summary>
internal sealed class GuardedStream(Stream inner, string host, RegistryClientOptions options) : Stream
{
    private readonly TimeProvider _time = options.TimeProvider;
    private TimeSpan _waited;
    private long _bytesInWindow;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        using var idle = new CancellationTokenSource(options.BodyIdleTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, idle.Token);
        var started = _time.GetTimestamp();
        int read;
        try
        {
            read = await inner.ReadAsync(buffer, linked.Token);
        }
        catch (Exception e) when (idle.IsCancellationRequested && !cancellationToken.IsCancellationRequested && e is OperationCanceledException or IOException)
        {
            throw new TimeoutException($"no data for {Seconds(options.BodyIdleTimeout)} from {host}");
        }

        _waited += _time.GetElapsedTime(started);
        _bytesInWindow += read;
        if (read > 0 && options.MinimumTransferRate > 0 && _waited >= options.TransferRateWindow)
        {
            var rate = _bytesInWindow / _waited.TotalSeconds;
            if (rate < options.MinimumTransferRate)
            {
                throw new TimeoutException($"only {_bytesInWindow} bytes in {Seconds(_waited)} from {host}, below the minimum of {options.MinimumTransferRate} bytes/s");
            }

            _waited = TimeSpan.Zero;
            _bytesInWindow = 0;
        }

        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private static string Seconds(TimeSpan span) => $"{span.TotalSeconds:0.#} s";
}
