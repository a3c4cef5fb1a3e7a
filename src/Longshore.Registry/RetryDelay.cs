using System.Net.Http.Headers;

namespace Longshore.Registry;

/// <summary>Jittered exponential back-off, honouring a server's <c>Retry-After</c> when it sends one.</summary>
internal static class RetryDelay
{
    public static TimeSpan For(int attempt, RegistryClientOptions options, RetryConditionHeaderValue? retryAfter = null)
    {
        if (retryAfter?.Delta is { } delta)
        {
            return Clamp(delta, options);
        }

        if (retryAfter?.Date is { } date)
        {
            return Clamp(date - options.TimeProvider.GetUtcNow(), options);
        }

        var exponential = options.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, attempt);
        // Full jitter keeps many agents that failed together from retrying together.
        var jittered = exponential * (0.5 + (Random.Shared.NextDouble() * 0.5));
        return Clamp(TimeSpan.FromMilliseconds(jittered), options);
    }

    private static TimeSpan Clamp(TimeSpan delay, RegistryClientOptions options) =>
        delay < TimeSpan.Zero ? TimeSpan.Zero : delay > options.RetryMaxDelay ? options.RetryMaxDelay : delay;
}
