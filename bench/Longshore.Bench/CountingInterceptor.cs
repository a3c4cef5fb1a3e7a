using System.Collections.Concurrent;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Longshore.Bench;

/// <summary>Counts the gRPC calls a runtime client makes (CRI and containerd's own API), by method.</summary>
public sealed class CountingInterceptor : Interceptor
{
    private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.Ordinal);

    public int Total => _calls.Values.Sum();

    /// <summary>The counts so far, and a fresh start.</summary>
    public IReadOnlyDictionary<string, int> Take()
    {
        var taken = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var key in _calls.Keys)
        {
            if (_calls.TryRemove(key, out var count))
            {
                taken[key] = count;
            }
        }

        return taken;
    }

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        _calls.AddOrUpdate(context.Method.FullName, 1, (_, n) => n + 1);
        return continuation(request, context);
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        _calls.AddOrUpdate(context.Method.FullName, 1, (_, n) => n + 1);
        return continuation(request, context);
    }
}
