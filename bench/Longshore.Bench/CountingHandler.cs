namespace Longshore.Bench;

/// <summary>Counts the requests a Kubernetes client sends (the operator's API load).</summary>
public sealed class CountingHandler : DelegatingHandler
{
    private long _requests;

    public long Requests => Interlocked.Read(ref _requests);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _requests);
        return base.SendAsync(request, cancellationToken);
    }
}
