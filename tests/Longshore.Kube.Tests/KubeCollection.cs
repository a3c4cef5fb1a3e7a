using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.Kube.Tests;

/// <summary>A real API server with Longshore's CRDs installed, shared by the runtime's integration tests.</summary>
public sealed class CrdApiServerFixture : IAsyncLifetime
{
    private readonly KubeApiServerFixture _inner = new();

    public KubeApiServer Server => _inner.Server;

    public async Task InitializeAsync()
    {
        await _inner.InitializeAsync();
        await Server.InstallCrdsAsync(KubeApiServer.RepositoryFile("config/crd/bases"));
    }

    public Task DisposeAsync() => _inner.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class KubeCollection : ICollectionFixture<CrdApiServerFixture>
{
    public const string Name = "kube";
}
