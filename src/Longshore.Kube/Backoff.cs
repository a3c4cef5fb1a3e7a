namespace Longshore.Kube;

/// <summary>
/// Exponential back-off: <see cref="Initial"/> before the first retry, multiplied by <see cref="Factor"/> per further
/// failure, never above <see cref="Max"/>. <see cref="Jitter"/> adds up to that fraction on top (capped at Max), so
/// many clients failing together do not retry in lockstep. The one formula for retries in the runtime and its users.
/// </summary>
public sealed record Backoff(TimeSpan Initial, TimeSpan Max, double Factor = 2, double Jitter = 0)
{
    /// <summary>The delay before retry number <paramref name="failures"/> (1 = after the first failure); zero for 0.</summary>
    public TimeSpan Delay(int failures, Random? random = null)
    {
        if (failures <= 0)
        {
            return TimeSpan.Zero;
        }

        var ticks = Math.Min(Max.Ticks, Initial.Ticks * Math.Pow(Factor, Math.Min(failures - 1, 60)));
        if (Jitter > 0)
        {
            ticks = Math.Min(Max.Ticks, ticks * (1 + (Jitter * (random ?? Random.Shared).NextDouble())));
        }

        return TimeSpan.FromTicks((long)ticks);
    }
}
