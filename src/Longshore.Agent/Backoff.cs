namespace Longshore.Agent;

/// <summary>Exponential back-off: <see cref="Initial"/> after the first failure, doubling with each further one, never above <see cref="Max"/>.</summary>
public sealed record Backoff(TimeSpan Initial, TimeSpan Max)
{
    /// <summary>The delay before the next attempt after <paramref name="failures"/> failures in a row (none after none).</summary>
    public TimeSpan After(int failures)
    {
        if (failures <= 0)
        {
            return TimeSpan.Zero;
        }

        // Doubling past 2^40 overflows ticks long before it matters: the cap has been reached by then.
        var ticks = Initial.Ticks * Math.Pow(2, Math.Min(failures - 1, 40));
        return ticks >= Max.Ticks ? Max : TimeSpan.FromTicks((long)ticks);
    }
}
