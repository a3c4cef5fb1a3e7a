using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.Registry.Tests;

[CollectionDefinition(Name)]
public sealed class RegistryCollection : ICollectionFixture<RegistryFixture>, ICollectionFixture<AuthRegistryFixture>
{
    public const string Name = "registry";
}
