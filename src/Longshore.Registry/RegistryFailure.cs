using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Longshore.Registry;

/// <summary>Turns transport failures into the one line a user reads; null for what is not a transport failure.</summary>
internal static class RegistryFailure
{
    /// <param name="where">What was asked, e.g. "registry r.example.com" or "the token service … for r.example.com".</param>
    public static string? Describe(Exception e, string where, RegistryClientOptions options, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            // The caller's own cancellation surfaces as such.
            return null;
        }

        var message = e switch
        {
            TimeoutRejectedException => $"{where} did not answer within {Seconds(options.RequestTimeout)}",
            BrokenCircuitException => $"{where} is failing repeatedly; not asking it again for {Seconds(options.CircuitBreakDuration)}",
            TimeoutException timeout => $"{where}: {timeout.Message}",
            HttpRequestException http => $"cannot reach {where}: {Innermost(http)}",
            IOException io => $"connection to {where} broke: {Innermost(io)}",
            OperationCanceledException => $"{where}: the request was cancelled before it completed",
            _ => null,
        };
        return message?.ReplaceLineEndings(" ");
    }

    private static string Innermost(Exception e)
    {
        // HttpClient wraps socket errors; the innermost message is the one that says what happened.
        var inner = e;
        while (inner.InnerException is { } next && next is not TimeoutException)
        {
            inner = next;
        }

        return inner is TimeoutException ? inner.Message : e.Message == inner.Message ? e.Message : $"{e.Message} ({inner.Message})";
    }

    private static string Seconds(TimeSpan span) => $"{span.TotalSeconds:0.#} s";
}
