using Longshore.Testing;

namespace Longshore.Cli.Tests;

/// <summary>Run alone: these tests measure time and allocation.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RegistryFaultCollection : ICollectionFixture<RegistryFixture>
{
    public const string Name = "registry faults";
}
