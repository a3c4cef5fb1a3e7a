using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.Operator.Tests;

/// <summary>One API server with Longshore installed, the operator's identity ("operator") bound only by config/rbac.</summary>
public sealed class PruneEnvironment : IAsyncLifetime
{
    public KubeApiServer Api { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Api = await KubeApiServer.StartAsync();
        await OperatorInstall.InstallAsync(Api, OperatorInstall.User("operator"), OperatorInstall.User("agent"));
    }

    public async Task DisposeAsync() => await Api.DisposeAsync();
}
