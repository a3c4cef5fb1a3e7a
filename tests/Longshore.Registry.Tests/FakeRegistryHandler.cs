namespace Longshore.Registry.Tests;

/// <summary>Answers requests from a script, recording them: for protocol logic only (real-registry tests cover the boundary).</summary>
internal sealed class FakeRegistryHandler(Func<HttpRequestMessage, int, HttpResponseMessage> respond) : HttpMessageHandler
{
    public List<HttpRequestMessage> Requests { get; } = [];

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Requests.Add(request);
        var response = respond(request, Requests.Count);
        response.RequestMessage = request;
        return Task.FromResult(response);
    }
}
