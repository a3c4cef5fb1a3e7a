using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.Runtime.Tests;

/// <summary>A registry and a containerd that pulls from it over plain HTTP.</summary>
public sealed class RuntimeFixture : IAsyncLifetime
{
    public RegistryServer Registry { get; private set; } = null!;

    public ContainerdServer Containerd { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Registry = await RegistryServer.StartAsync();
        Containerd = await ContainerdServer.StartAsync([Registry.Host]);
    }

    public async Task DisposeAsync()
    {
        await Containerd.DisposeAsync();
        await Registry.DisposeAsync();
    }
}
