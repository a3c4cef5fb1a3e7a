using Longshore.TestBed;
using Xunit;

namespace Longshore.Testing;

/// <summary>One anonymous registry shared by a test collection.</summary>
public sealed class RegistryFixture : IAsyncLifetime
{
    private RegistryServer? _server;

    public RegistryServer Server => _server ?? throw new InvalidOperationException("the registry fixture was not started");

    public async Task InitializeAsync() => _server = await RegistryServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
