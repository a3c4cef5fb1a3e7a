using k8s.Models;
using Longshore.Api;
using Longshore.Kube;

namespace Longshore.Operator.Tests;

public sealed class TenantLimitsTests
{
    private static readonly PlannedOwner TeamA = new("ImagePrePull", "team-a", "warm");
    private static readonly PlannedOwner TeamB = new("ImagePrePull", "team-b", "warm");
    private static readonly TenantLimits Strict = new(PinNamespaces: ["platform"], TolerationNamespaces: ["platform"], MaxImagesPerNode: 3);

    private static PrePullIntent Intent(PlannedOwner owner, params string[] images) =>
        new(owner, images, true, 10, null, null, null, null, new Dictionary<(string, string), string>(), new Dictionary<string, string>());

    private static ImagePrePullSpec Spec(bool pin, bool tolerate, int images = 1) => new()
    {
        Images = Enumerable.Range(0, images).Select(i => $"reg.example/app{i}:1").ToList(),
        Pin = pin,
        Tolerations = tolerate ? [new V1Toleration { Key = "gpu", OperatorProperty = "Exists" }] : null,
    };

    [Fact]
    public void Without_limits_every_namespace_may_pin_and_tolerate()
    {
        var open = new TenantLimits();
        open.Check("anyone", Spec(pin: true, tolerate: true)).Should().BeEmpty();
        open.Check("anyone", new ImagePolicySpec { EnsureOnNodes = true }).Should().BeEmpty();
        open.MaxImagesPerNode.Should().Be(TenantLimits.DefaultMaxImagesPerNode);
    }

    [Fact]
    public void Pins_and_tolerations_outside_the_allowed_namespaces_are_refused_with_the_field_and_the_way_out()
    {
        Strict.Check("platform", Spec(pin: true, tolerate: true)).Should().BeEmpty();
        Strict.Check("team-a", Spec(pin: false, tolerate: false)).Should().BeEmpty();
        Strict.Check("team-a", Spec(pin: true, tolerate: true)).Should().Equal(
            "spec.pin: namespace team-a may not pin images (--pin-namespace allows platform); set pin: false",
            "spec.tolerations: namespace team-a may not tolerate node taints (--toleration-namespace allows platform); remove the tolerations");
        Strict.Check("team-a", new ImagePolicySpec { EnsureOnNodes = true }).Should().ContainSingle().Which.Should().StartWith("spec.ensureOnNodes: namespace team-a may not pin images on nodes");
        Strict.Check("team-a", Spec(pin: false, tolerate: false, images: 4)).Should().ContainSingle().Which.Should().Contain("4 images exceed the cap of 3");
    }

    [Fact]
    public void The_planner_acts_on_the_spec_without_what_the_namespace_may_not_have()
    {
        var asked = Spec(pin: true, tolerate: true);
        var effective = Strict.Effective("team-a", asked);
        effective.Pin.Should().BeFalse();
        effective.Tolerations.Should().BeNull();
        asked.Pin.Should().BeTrue("the cached object is never changed");
        Strict.Effective("platform", asked).Should().BeSameAs(asked);
    }

    [Fact]
    public void No_node_image_grows_past_the_cap_and_the_images_left_out_are_counted_per_node()
    {
        var nodes = new[] { new TargetNode("n1", "linux/amd64", NodePhase.Pulling), new TargetNode("n2", "linux/amd64", NodePhase.Pulling) };
        var first = NodeImagePlanner.Plan(Intent(TeamA, "reg/a:1", "reg/b:1"), nodes, new Dictionary<string, ValueList<PlannedImage>>(), maxImagesPerNode: 3);
        first.Refused.Should().BeEmpty();
        var current = new Dictionary<string, ValueList<PlannedImage>>(first.Desired);

        // Team B wants one image team A already has (joining is always allowed) and three new ones: one fits.
        var second = NodeImagePlanner.Plan(Intent(TeamB, "reg/a:1", "reg/c:1", "reg/d:1", "reg/e:1"), nodes, current, maxImagesPerNode: 3);
        second.Desired.Values.Should().OnlyContain(entries => entries.Count == 3);
        second.Desired["n1"].Single(e => e.Reference == "reg/a:1").Owners.Should().Equal(TeamA, TeamB);
        second.Refused.Should().BeEquivalentTo(new Dictionary<string, int> { ["n1"] = 2, ["n2"] = 2 });
        second.CapacityProblems(3).Should().Equal(
            "node n1 already wants 3 images, the cap per node (--max-images-per-node): 2 image(s) of this object are not placed there",
            "node n2 already wants 3 images, the cap per node (--max-images-per-node): 2 image(s) of this object are not placed there");

        // Team A's own entries are never pushed out by team B.
        second.Desired["n1"].Where(e => e.Owners.Contains(TeamA)).Select(e => e.Reference).Should().Equal("reg/a:1", "reg/b:1");
    }

    [Fact]
    public void The_webhook_refuses_what_the_limits_forbid_and_passes_the_rest()
    {
        const string pinning = """{"apiVersion":"longshore.io/v1alpha1","kind":"ImagePrePull","metadata":{"name":"warm","namespace":"team-a"},"spec":{"images":["reg.example/app:1"]}}""";
        const string unpinned = """{"apiVersion":"longshore.io/v1alpha1","kind":"ImagePrePull","metadata":{"name":"warm","namespace":"team-a"},"spec":{"images":["reg.example/app:1"],"pin":false}}""";
        const string policy = """{"apiVersion":"longshore.io/v1alpha1","kind":"ImagePolicy","metadata":{"name":"lock","namespace":"team-a"},"spec":{"images":[{"repository":"reg.example/app","tag":"1"}],"ensureOnNodes":true}}""";

        AdmissionEndpoint.Validate(V1Alpha1ImagePrePull.KindName, pinning, Strict).Should().ContainSingle().Which.Should().StartWith("spec.pin: namespace team-a may not pin images");
        AdmissionEndpoint.Validate(V1Alpha1ImagePrePull.KindName, unpinned, Strict).Should().BeEmpty();
        AdmissionEndpoint.Validate(V1Alpha1ImagePrePull.KindName, pinning).Should().BeEmpty("without limits the default pin is allowed");
        AdmissionEndpoint.Validate(V1Alpha1ImagePolicy.KindName, policy, Strict).Should().ContainSingle().Which.Should().StartWith("spec.ensureOnNodes:");
    }
}
