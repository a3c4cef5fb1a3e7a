using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.Transfer.Tests;

[CollectionDefinition(Name)]
public sealed class RegistryCollection : ICollectionFixture<RegistryFixture>
{
    public const string Name = "registry";
}
