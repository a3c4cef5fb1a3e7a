using Longshore.Api;

namespace Longshore.Operator.Tests;

public sealed class PolicyNodesTests
{
    private static readonly string Index = "sha256:" + new string('a', 64);
    private static readonly string Amd = "sha256:" + new string('b', 64);
    private static readonly string Arm = "sha256:" + new string('c', 64);
    private static readonly string Single = "sha256:" + new string('d', 64);
    private static readonly PlannedOwner Owner = new("ImagePolicy", "ns", "pins");

    private static readonly ImageLock MultiPlatform = new()
    {
        Image = "reg/app",
        Digest = Index,
        PlatformDigests = [new PlatformDigest { Platform = "linux/amd64", Digest = Amd }, new PlatformDigest { Platform = "linux/arm64", Digest = Arm }],
    };

    private static readonly ImageLock SinglePlatform = new() { Image = "reg/tool", Digest = Single };

    private static NodeImageStatus Reports(params (string Reference, ImagePhase Phase, string Digest)[] images) =>
        new() { Images = images.Select(i => new NodeImageEntryStatus { Reference = i.Reference, Phase = i.Phase, Digest = i.Digest }).ToList() };

    [Fact]
    public void The_intent_pins_each_lock_by_digest_with_the_platform_manifest_of_each_node()
    {
        var intent = PolicyNodes.Intent(Owner, [MultiPlatform, SinglePlatform], ["linux/amd64", "linux/arm64"], null);
        intent.Images.Should().Equal($"reg/app@{Index}", $"reg/tool@{Single}");
        intent.Pin.Should().BeTrue();
        intent.Digests[($"reg/app@{Index}", "linux/arm64")].Should().Be(Arm);
        intent.Digests[($"reg/app@{Index}", "linux/amd64")].Should().Be(Amd);
        intent.Digests[($"reg/tool@{Single}", "linux/arm64")].Should().Be(Single);
        intent.RepoDigests[$"reg/app@{Index}"].Should().Be(Index);
    }

    [Fact]
    public void The_planner_writes_the_pins_beside_other_owners_entries()
    {
        var intent = PolicyNodes.Intent(Owner, [SinglePlatform], ["linux/amd64"], ("longshore-system", "pull-ns-reg"));
        var other = new PlannedImage("reg/web:1", "sha256:" + new string('e', 64), null, true, null, new Kube.ValueList<PlannedOwner>([new PlannedOwner("ImagePrePull", "ns", "warm")]), null, null, null);
        var current = new Dictionary<string, Kube.ValueList<PlannedImage>> { ["n1"] = new([other]) };
        var plan = NodeImagePlanner.Plan(intent, [new TargetNode("n1", "linux/amd64", NodePhase.Pulling)], current);
        plan.Desired["n1"].Select(i => (i.Reference, i.Digest, i.Owners[0].Kind)).Should().Equal(($"reg/tool@{Single}", Single, "ImagePolicy"), ("reg/web:1", other.Digest, "ImagePrePull"));
        plan.Desired["n1"][0].PullSecret.Should().Be(("longshore-system", "pull-ns-reg"));
    }

    [Fact]
    public void A_node_without_every_pinned_digest_present_is_missing()
    {
        var locks = new[] { MultiPlatform, SinglePlatform };
        var intent = PolicyNodes.Intent(Owner, locks, ["linux/amd64"], null);
        var statuses = new Dictionary<string, NodeImageStatus>
        {
            ["complete"] = Reports(($"reg/app@{Index}", ImagePhase.Present, Amd), ($"reg/tool@{Single}", ImagePhase.Present, Single)),
            ["pulling"] = Reports(($"reg/app@{Index}", ImagePhase.Pulling, Amd), ($"reg/tool@{Single}", ImagePhase.Present, Single)),
            ["failed"] = Reports(($"reg/app@{Index}", ImagePhase.Present, Index), ($"reg/tool@{Single}", ImagePhase.Failed, Single)),
        };
        var targets = new[] { "complete", "pulling", "failed", "silent" }.Select(n => new TargetNode(n, "linux/amd64", NodePhase.Pulling)).ToList();
        var report = PolicyNodes.Drift(locks, targets, n => statuses.GetValueOrDefault(n), intent);
        (report.Targets, report.Missing, report.Pulling).Should().Be((4, 3, 2));
        report.ByImage.Should().BeEquivalentTo(new Dictionary<string, int> { ["reg/app"] = 2, ["reg/tool"] = 2 });
    }
}
