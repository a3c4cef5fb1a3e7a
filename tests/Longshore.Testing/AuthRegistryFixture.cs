using Longshore.TestBed;
using Xunit;

namespace Longshore.Testing;

/// <summary>One registry requiring htpasswd Basic auth (user <see cref="Username"/>), shared by a test collection.</summary>
public sealed class AuthRegistryFixture : IAsyncLifetime
{
    public const string Username = "tester";
    public const string Password = "s3cret-Pass!";

    private RegistryServer? _server;

    public RegistryServer Server => _server ?? throw new InvalidOperationException("the registry fixture was not started");

    public async Task InitializeAsync() => _server = await RegistryServer.StartAsync(new RegistryServerOptions { Username = Username, Password = Password });

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
