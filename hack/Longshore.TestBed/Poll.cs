namespace Longshore.TestBed;

/// <summary>Waiting on real components that converge on their own time: probe until a value appears or the deadline passes.</summary>
public static class Poll
{
    /// <summary>Returns the first non-null value of <paramref name="probe"/>; a <see cref="TimeoutException"/> names <paramref name="what"/>.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T?>> probe, string what, int seconds = 60, int intervalMilliseconds = 100)
    {
        ArgumentNullException.ThrowIfNull(probe);
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out after {seconds} s waiting until {what}");
            }

            await Task.Delay(intervalMilliseconds);
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds.</summary>
    public static Task UntilAsync(Func<bool> condition, string what, int seconds = 20, int intervalMilliseconds = 50)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return UntilAsync<object>(() => Task.FromResult(condition() ? new object() : null), what, seconds, intervalMilliseconds);
    }
}
