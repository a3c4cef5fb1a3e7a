using System.Text.Json.Nodes;
using k8s.Models;
using Longshore.Api;

namespace Longshore.Operator.Tests;

public sealed class PodImagePinnerTests
{
    private const string Locked = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    private const string Amd64 = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
    private const string Other = "sha256:9999999999999999999999999999999999999999999999999999999999999999";

    internal static V1Alpha1ImagePolicy Policy(string name, string mode, string repository, string? tag, string? digest, params string[] platformDigests)
    {
        var policy = new V1Alpha1ImagePolicy
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "shop" },
            Spec = new ImagePolicySpec { Mode = mode, Images = [new PolicyImage { Repository = repository, Tag = tag }] },
        };
        if (digest is not null)
        {
            var platforms = platformDigests.Select(d => new PlatformDigest { Platform = "linux/amd64", Digest = d }).ToList();
            policy.Status = new ImagePolicyStatus { Locks = [new ImageLock { Image = repository, Tag = tag, Digest = digest, PlatformDigests = platforms.Count == 0 ? null : platforms }] };
        }

        return policy;
    }

    private static NamespacePins Pins(params V1Alpha1ImagePolicy[] policies) => PolicyLockCache.Build(policies);

    private static PodContainer Container(string image, string name = "app", string field = "containers", int index = 0) => new(field, index, name, image);

    [Fact]
    public void Familiar_and_fully_qualified_names_of_a_repository_are_the_same_image()
    {
        var pins = Pins(Policy("nginx", "Pin", "nginx", "1.25", Locked));
        var rewrites = PodImagePinner.Plan(pins, null, [Container("nginx:1.25"), Container("docker.io/library/nginx", "b", index: 1), Container("index.docker.io/library/nginx:1.25", "c", index: 2)]);
        rewrites.Select(r => r.Image).Should().Equal(Enumerable.Repeat($"docker.io/library/nginx:1.25@{Locked}", 3));
        rewrites.Select(r => r.Container.ImagePath).Should().Equal("/spec/containers/0/image", "/spec/containers/1/image", "/spec/containers/2/image");
    }

    [Fact]
    public void Every_kind_of_container_is_pinned_and_other_repositories_are_left_alone()
    {
        var pins = Pins(Policy("app", "Pin", "registry.example:5000/shop/web", "stable", Locked));
        var containers = new[]
        {
            Container("registry.example:5000/shop/web:stable", "init", "initContainers"),
            Container("registry.example:5000/shop/web:stable", "web"),
            Container("registry.example:5000/shop/sidecar:1", "sidecar", index: 1),
            Container("registry.example:5000/shop/web", "debug", "ephemeralContainers"),
        };
        var rewrites = PodImagePinner.Plan(pins, null, containers);
        rewrites.Select(r => r.Container.Name).Should().Equal("init", "web", "debug");
        rewrites.Should().OnlyContain(r => r.Image == $"registry.example:5000/shop/web:stable@{Locked}");
    }

    [Fact]
    public void Pinning_is_idempotent_and_images_on_the_locked_digest_pass_unchanged()
    {
        var pins = Pins(Policy("app", "Pin", "nginx", "1.25", Locked));
        var first = PodImagePinner.Plan(pins, null, [Container("nginx:1.25")]);
        PodImagePinner.Plan(pins, null, [Container(first.Single().Image)]).Should().BeEmpty("a pinned image is pinned already");
        PodImagePinner.Plan(pins, null, [Container($"nginx@{Locked}")]).Should().BeEmpty("the digest alone is the lock");
        PodImagePinner.Plan(pins, null, [Container($"nginx:other@{Other}")]).Single().Image.Should().Be($"docker.io/library/nginx:1.25@{Locked}", "another digest is replaced by the lock");
    }

    [Fact]
    public void A_Pod_on_a_platform_manifest_of_the_locked_index_runs_the_pinned_image()
    {
        var pins = Pins(Policy("multi", "Pin", "nginx", "1.25", Locked, Amd64));
        PodImagePinner.Plan(pins, null, [Container($"nginx@{Amd64}")]).Should().BeEmpty();
        var enforced = Pins(Policy("multi", "Enforce", "nginx", "1.25", Locked, Amd64));
        PodImageChecker.Check(enforced, null, [Container($"nginx:1.25@{Amd64}")]).Should().BeEmpty();
        PodImageChecker.Check(enforced, null, [Container($"nginx:1.25@{Other}")]).Should().ContainSingle();
    }

    [Fact]
    public void A_policy_with_a_pod_selector_acts_only_on_the_Pods_it_selects()
    {
        var policy = Policy("web-only", "Pin", "nginx", "1.25", Locked);
        policy.Spec.PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } };
        var pins = Pins(policy);
        PodImagePinner.Plan(pins, new Dictionary<string, string> { ["app"] = "web" }, [Container("nginx")]).Should().ContainSingle();
        PodImagePinner.Plan(pins, new Dictionary<string, string> { ["app"] = "batch" }, [Container("nginx")]).Should().BeEmpty();
        PodImagePinner.Plan(pins, null, [Container("nginx")]).Should().BeEmpty();
    }

    [Fact]
    public void Audit_policies_unlocked_images_and_unparsable_images_are_not_touched()
    {
        PodImagePinner.Plan(Pins(Policy("a", "Audit", "nginx", "1.25", Locked)), null, [Container("nginx:1.25")]).Should().BeEmpty();
        PodImagePinner.Plan(Pins(Policy("a", "Pin", "nginx", "1.25", null)), null, [Container("nginx:1.25")]).Should().BeEmpty("no lock yet: nothing to pin to");
        PodImagePinner.Plan(Pins(Policy("a", "Pin", "nginx", "1.25", Locked)), null, [Container("Not A Reference")]).Should().BeEmpty();
        PodImagePinner.Plan(Pins(Policy("a", "Enforce", "nginx", "1.25", Locked)), null, [Container("nginx:1.25")]).Should().BeEmpty("Enforce refuses, it does not rewrite");
    }

    [Fact]
    public void The_first_policy_by_name_decides_when_two_cover_one_repository()
    {
        var pins = Pins(Policy("zeta", "Pin", "nginx", "1.26", Other), Policy("alpha", "Pin", "nginx", "1.25", Locked));
        PodImagePinner.Plan(pins, null, [Container("nginx")]).Single().Pin.Policy.Should().Be("alpha");
    }

    [Fact]
    public void The_webhook_patch_replaces_each_image_by_its_path()
    {
        var pod = JsonNode.Parse("""{"spec":{"initContainers":[{"name":"i","image":"nginx"}],"containers":[{"name":"a","image":"busybox"},{"name":"b","image":"nginx:1.25"}]}}""");
        var containers = PodAdmissionEndpoint.ContainersOf(pod);
        containers.Select(c => (c.Field, c.Index, c.Name)).Should().Equal(("initContainers", 0, "i"), ("containers", 0, "a"), ("containers", 1, "b"));
        var patch = PodAdmissionEndpoint.PatchOf(PodImagePinner.Plan(Pins(Policy("p", "Pin", "docker.io/library/nginx", "1.25", Locked)), null, containers));
        JsonNode.Parse(patch)!.ToJsonString().Should().Be(JsonNode.Parse($$"""
            [{"op":"replace","path":"/spec/initContainers/0/image","value":"docker.io/library/nginx:1.25@{{Locked}}"},
             {"op":"replace","path":"/spec/containers/1/image","value":"docker.io/library/nginx:1.25@{{Locked}}"}]
            """)!.ToJsonString());
    }

    [Fact]
    public void Enforce_refuses_images_off_the_lock_naming_container_image_and_digest()
    {
        var pins = Pins(Policy("locked", "Enforce", "nginx", "1.25", Locked));
        PodImageChecker.Check(pins, null, [Container($"nginx:1.25@{Locked}"), Container($"docker.io/library/nginx@{Locked}", "b"), Container("busybox", "c")]).Should().BeEmpty();
        var problems = PodImageChecker.Check(pins, null, [Container("nginx:1.25", "web"), Container($"nginx@{Other}", "side")]);
        problems.Should().HaveCount(2);
        problems[0].Should().Contain("container \"web\"").And.Contain("image \"nginx:1.25\"").And.Contain($"expected {Locked}").And.Contain("ImagePolicy locked");
        problems[1].Should().Contain("container \"side\"").And.Contain(Other).And.Contain($"expected {Locked}");
        PodImageChecker.Check(Pins(Policy("new", "Enforce", "nginx", "1.25", null)), null, [Container("nginx:1.25")]).Single().Should().Contain("has not locked a digest");
        PodImageChecker.Check(Pins(Policy("p", "Pin", "nginx", "1.25", Locked)), null, [Container("nginx:1.25")]).Should().BeEmpty("Pin policies do not refuse");
    }

    [Fact]
    public void Namespace_labels_follow_the_modes_of_live_policies()
    {
        var desired = NamespacePolicyLabels.Desired([Policy("a", "Pin", "nginx", null, null), Policy("b", "Audit", "x", null, null)]);
        desired[NamespacePolicyLabels.Pin].Should().Be("true");
        desired[NamespacePolicyLabels.Enforce].Should().BeNull();
        NamespacePolicyLabels.Changes(desired, new Dictionary<string, string> { [NamespacePolicyLabels.Pin] = "true", ["team"] = "shop" }).Should().BeEmpty();
        NamespacePolicyLabels.Changes(desired, new Dictionary<string, string> { [NamespacePolicyLabels.Enforce] = "true" })
            .Should().BeEquivalentTo(new Dictionary<string, string?> { [NamespacePolicyLabels.Pin] = "true", [NamespacePolicyLabels.Enforce] = null });
        var deleting = Policy("a", "Pin", "nginx", null, null);
        deleting.Metadata.DeletionTimestamp = DateTime.UtcNow;
        NamespacePolicyLabels.Desired([deleting])[NamespacePolicyLabels.Pin].Should().BeNull("a policy being deleted no longer pins");
    }
}
