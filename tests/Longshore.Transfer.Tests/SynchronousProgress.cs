namespace Longshore.Transfer.Tests;

/// <summary>Reports on the calling thread (Progress&lt;T&gt; posts to the thread pool, which makes counts racy in tests).</summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    private readonly Lock _gate = new();

    public void Report(T value)
    {
        lock (_gate)
        {
            report(value);
        }
    }
}
