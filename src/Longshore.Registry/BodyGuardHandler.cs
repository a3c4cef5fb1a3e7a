namespace Longshore.Registry;

/// <summary>Wraps every response body so no read can wait forever or crawl (see <see cref="GuardedStream"/>).</summary>
internal sealed class BodyGuardHandler(RegistryClientOptions options) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        response.Content = new GuardedContent(response.Content, request.RequestUri!.Authority, options);
        return response;
    }
}
