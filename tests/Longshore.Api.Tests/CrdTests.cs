using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.Api.Tests;

public sealed class CrdTests
{
    [Theory]
    [InlineData(typeof(V1Alpha1ImagePrePull))]
    [InlineData(typeof(V1Alpha1ImagePolicy))]
    [InlineData(typeof(V1Alpha1ImagePrune))]
    [InlineData(typeof(V1Alpha1NodeImage))]
    public void Committed_crds_match_the_types(Type kind)
    {
        var committed = File.ReadAllText(KubeApiServer.RepositoryFile("config/crd/bases/" + CrdGenerator.FileName(kind)));
        committed.Should().Be(CrdGenerator.GenerateYaml(kind), "config/crd/bases is generated from the C# types; run `make manifests` and commit the result");
    }

    [Fact]
    public void Schemas_carry_required_fields_enums_bounds_and_defaults()
    {
        var pull = CrdGenerator.Generate(typeof(V1Alpha1ImagePrePull));
        var version = pull.Spec.Versions.Single();
        var spec = version.Schema.OpenAPIV3Schema.Properties["spec"];
        spec.Required.Should().Contain("images");
        spec.Properties["images"].MinItems.Should().Be(1);
        spec.Properties["pin"].DefaultProperty.Should().Be(true);
        spec.Properties["parallelism"].Minimum.Should().Be(1);
        spec.Properties["pullTimeout"].Pattern.Should().NotBeNullOrEmpty();
        pull.Spec.Names.ShortNames.Should().Equal("ipp");
        pull.Spec.Names.Categories.Should().Equal("longshore");
        version.Subresources.Status.Should().NotBeNull();
        version.AdditionalPrinterColumns.Select(c => c.Name).Should().Equal("Ready", "Desired", "Failed", "Age");

        var prune = CrdGenerator.Generate(typeof(V1Alpha1ImagePrune));
        prune.Spec.Scope.Should().Be("Cluster");
        prune.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"].Properties["mode"].EnumProperty.Should().Equal("Dangling", "Unused");
        prune.Spec.Versions[0].AdditionalPrinterColumns.Select(c => c.Name).Should().Contain(["Last Run", "Reclaimed"]);
    }
}
