using Longshore.Testing;

namespace Longshore.Registry.Tests;

/// <summary>Fault-injection tests measure time and allocation, so they run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FaultCollection : ICollectionFixture<RegistryFixture>
{
    public const string Name = "faults";
}
