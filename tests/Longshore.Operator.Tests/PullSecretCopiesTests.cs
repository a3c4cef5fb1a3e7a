using System.Text;
using k8s.Models;
using Longshore.Kube;
using Longshore.Oci;

namespace Longshore.Operator.Tests;

public sealed class PullSecretCopiesTests
{
    private static V1Secret Secret(string name, string type, string key, string json) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "team" },
        Type = type,
        Data = new Dictionary<string, byte[]> { [key] = Encoding.UTF8.GetBytes(json) },
    };

    private static string Auths(string registry, string user) =>
        $"{{\"auths\":{{\"{registry}\":{{\"auth\":\"{Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":pw"))}\"}}}}}}";

    [Fact]
    public void Copy_names_of_different_owners_never_collide_even_where_the_readable_part_does()
    {
        var a = PullSecretCopies.CopyName(new PlannedOwner("ImagePrePull", "a-b", "c"));
        var b = PullSecretCopies.CopyName(new PlannedOwner("ImagePrePull", "a", "b-c"));
        a.Should().NotBe(b);
        a.Should().StartWith("pull-imageprepull-a-b-c-");

        var longName = new string('x', 253);
        var first = PullSecretCopies.CopyName(new PlannedOwner("ImagePrePull", "team", longName + "1"));
        var second = PullSecretCopies.CopyName(new PlannedOwner("ImagePrePull", "team", longName + "2"));
        first.Should().NotBe(second, "a cut prefix is told apart by the hash");
        foreach (var name in new[] { a, b, first, second, PullSecretCopies.CopyName(new PlannedOwner("ImagePolicy", "Team.One", "x.y")) })
        {
            name.Length.Should().BeLessThanOrEqualTo(PullSecretCopies.MaxNameLength);
            name.Should().MatchRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", "a valid DNS name");
        }

        PullSecretCopies.CopyName(new PlannedOwner("ImagePrePull", "a-b", "c")).Should().Be(a, "the name is stable");
        PullSecretCopies.CopyName(new PlannedOwner("ImagePolicy", "a-b", "c")).Should().NotBe(a, "kinds have their own copies");
    }

    [Fact]
    public void Only_docker_config_secrets_serve_and_each_problem_names_the_secret_and_the_expected_types()
    {
        PullSecretCopies.Problem("team", "reg", Secret("reg", "kubernetes.io/dockerconfigjson", ".dockerconfigjson", Auths("r.example", "u"))).Should().BeNull();
        PullSecretCopies.Problem("team", "old", Secret("old", "kubernetes.io/dockercfg", ".dockercfg", "{\"r.example\":{\"auth\":\"dTpw\"}}")).Should().BeNull();

        PullSecretCopies.Problem("team", "gone", null).Should()
            .Be("pull secret team/gone does not exist: expected a Secret of type kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg in namespace team");
        PullSecretCopies.Problem("team", "opaque", Secret("opaque", "Opaque", ".dockerconfigjson", Auths("r.example", "u"))).Should()
            .Be("pull secret team/opaque has type Opaque: expected a Secret of type kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg in namespace team");
        PullSecretCopies.Problem("team", "tls", Secret("tls", "kubernetes.io/tls", "tls.key", "KEY")).Should().Contain("has type kubernetes.io/tls");
        var malformed = PullSecretCopies.Problem("team", "bad", Secret("bad", "kubernetes.io/dockerconfigjson", ".dockerconfigjson", "{\"auths\":{\"r\":{\"auth\":\"!!secret!!\"}}}"));
        malformed.Should().Be("pull secret team/bad is not a valid docker config");
    }

    [Fact]
    public void Several_secrets_merge_so_each_registry_keeps_its_own_credential_the_first_naming_it_winning()
    {
        var merged = PullSecretCopies.Merge(
        [
            Secret("one", "kubernetes.io/dockerconfigjson", ".dockerconfigjson", Auths("registry-a.example", "alice")),
            Secret("two", "kubernetes.io/dockerconfigjson", ".dockerconfigjson", Auths("registry-b.example", "bob")),
            Secret("three", "kubernetes.io/dockerconfigjson", ".dockerconfigjson", Auths("registry-a.example", "mallory")),
        ]);

        merged.Registries.Should().BeEquivalentTo(["registry-a.example", "registry-b.example"]);
        merged.Find("registry-a.example")!.Username.Should().Be("alice");
        merged.Find("registry-b.example")!.Username.Should().Be("bob");
        DockerConfig.Parse(merged.ToJson()).Find("registry-b.example")!.Password.Should().Be("pw", "the copy round-trips as a docker config");
    }

    [Fact]
    public void A_shared_entry_drops_the_leaving_owners_copy_and_the_remaining_owner_brings_its_own()
    {
        var a = new PlannedOwner("ImagePrePull", "team-a", "warm");
        var b = new PlannedOwner("ImagePrePull", "team-b", "warm");
        var entry = new PlannedImage("r.example/app:1", "sha256:1", null, true, ("longshore-pull-secrets", PullSecretCopies.CopyName(a)), new ValueList<PlannedOwner>([a, b]), null, null, null);

        var left = NodeImagePlanner.Without(a, [entry]).Single();
        left.Owners.Should().Equal(b);
        left.PullSecret.Should().BeNull("team-a's copy goes with team-a");
        NodeImagePlanner.Without(b, [entry]).Single().PullSecret.Should().Be(entry.PullSecret, "another owner's copy stays");
    }
}
