using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Polly;

namespace Longshore.Registry;

/// <summary>
/// The handler chain every registry request goes through, outermost first: authentication, redirects, resilience
/// (retries with jitter and Retry-After, a circuit breaker per host, a timeout per attempt), body guard, and the
/// process's shared connection pool (or a given transport).
/// </summary>
internal static class RegistryPipeline
{
    public static HttpMessageHandler Create(RegistryClientOptions options, HttpMessageHandler transport, ILogger logger)
    {
        var pipelines = new ConcurrentDictionary<string, ResiliencePipeline<HttpResponseMessage>>(StringComparer.OrdinalIgnoreCase);
        return new AuthenticationHandler(options)
        {
            InnerHandler = new RedirectHandler
            {
                InnerHandler = new ResilienceHandler(request => pipelines.GetOrAdd(request.RequestUri!.Authority, host => Resilience(options, host, logger)))
                {
                    InnerHandler = new BodyGuardHandler(options) { InnerHandler = transport },
                },
            },
        };
    }

    /// <summary>One pipeline per host, so a failing registry (or its storage) opens only its own circuit.</summary>
    private static ResiliencePipeline<HttpResponseMessage> Resilience(RegistryClientOptions options, string host, ILogger logger)
    {
        var shouldHandle = new PredicateBuilder<HttpResponseMessage>()
            .HandleResult(r => r.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout || (int)r.StatusCode >= 500)
            .Handle<HttpRequestException>()
            .Handle<Polly.Timeout.TimeoutRejectedException>()
            .Build();
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = options.TimeProvider };
        if (options.MaxRetries > 0)
        {
            builder.AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                // Jitter keeps many agents that failed together from retrying together.
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.RetryMaxDelay,
                ShouldRetryAfterHeader = false,
                ShouldHandle = args => ValueTask.FromResult(
                    !(args.Context.GetRequestMessage()?.Options.TryGetValue(RegistryRequest.NoRetry, out var noRetry) == true && noRetry)
                    && shouldHandle(args.Outcome)),
                DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result, options)),
                OnRetry = args =>
                {
                    logger.LogDebug(
                        "{Host} {Outcome}; attempt {Attempt} in {Delay}",
                        host,
                        args.Outcome.Result is { } r ? $"answered {(int)r.StatusCode}" : args.Outcome.Exception?.GetType().Name,
                        args.AttemptNumber + 2,
                        args.RetryDelay);
                    return ValueTask.CompletedTask;
                },
            });
        }

        builder.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
        {
            FailureRatio = options.CircuitBreakerFailureRatio,
            MinimumThroughput = options.CircuitBreakerMinimumRequests,
            SamplingDuration = TimeSpan.FromSeconds(30),
            BreakDuration = options.CircuitBreakDuration,
            ShouldHandle = args => ValueTask.FromResult(shouldHandle(args.Outcome)),
            OnOpened = args =>
            {
                logger.LogWarning("{Host} keeps failing; not asking it again for {Duration}", host, args.BreakDuration);
                return ValueTask.CompletedTask;
            },
        });
        builder.AddTimeout(new HttpTimeoutStrategyOptions { Timeout = options.RequestTimeout });
        return builder.Build();
    }

    /// <summary>The server's Retry-After, capped at the longest delay; null lets the exponential back-off decide.</summary>
    private static TimeSpan? RetryAfter(HttpResponseMessage? response, RegistryClientOptions options)
    {
        var header = response?.Headers.RetryAfter;
        TimeSpan? wanted = header?.Delta ?? (header?.Date is { } date ? date - options.TimeProvider.GetUtcNow() : null);
        return wanted is not { } delay ? null
            : delay < TimeSpan.Zero ? TimeSpan.Zero
            : delay > options.RetryMaxDelay ? options.RetryMaxDelay
            : delay;
    }
}
