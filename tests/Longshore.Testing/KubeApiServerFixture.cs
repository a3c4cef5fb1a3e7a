using Longshore.TestBed;
using Xunit;

namespace Longshore.Testing;

/// <summary>One etcd + kube-apiserver pair shared by a test collection.</summary>
public sealed class KubeApiServerFixture : IAsyncLifetime
{
    private KubeApiServer? _server;

    public KubeApiServer Server => _server ?? throw new InvalidOperationException("the API server fixture was not started");

    public async Task InitializeAsync() => _server = await KubeApiServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
