using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Longshore.Kube;

namespace Longshore.Operator.Tests;

public sealed class NodeImagePlannerTests
{
    private static readonly PlannedOwner Warm = new("ImagePrePull", "default", "warm");
    private static readonly PlannedOwner Other = new("ImagePrePull", "default", "other");
    private static readonly string[] Platforms = ["linux/amd64", "linux/arm64"];
    private static readonly string[] References = ["reg/a:1", "reg/b:1", "reg/c:1"];
    private static readonly string?[] Digests = ["sha256:aa", "sha256:bb", null];

    private static PrePullIntent Intent(PlannedOwner owner, string[] images, int parallelism, Dictionary<(string, string), string>? digests = null, bool pin = true) =>
        new(owner, images, pin, parallelism, "10m", 3, null, null, digests ?? [], new Dictionary<string, string>());

    private static PlannedImage Entry(string reference, string? digest, params PlannedOwner[] owners) =>
        new(reference, digest, null, false, null, owners.ToValueList(), null, null, null);

    [Fact]
    public void Starts_at_most_parallelism_nodes_and_nodes_that_have_the_images_take_no_slot()
    {
        var targets = new[]
        {
            new TargetNode("n1", "linux/amd64", NodePhase.Pulling),
            new TargetNode("n2", "linux/amd64", NodePhase.Pulling),
            new TargetNode("n3", "linux/amd64", NodePhase.Ready),
            new TargetNode("n4", "linux/amd64", NodePhase.Pulling),
        };
        var plan = NodeImagePlanner.Plan(Intent(Warm, ["reg/a:1"], parallelism: 1), targets, new Dictionary<string, ValueList<PlannedImage>>());
        plan.Carrying.Should().BeEquivalentTo(["n1", "n3"]);
        plan.Waiting.Should().Be(2);
        plan.Desired.Keys.Should().BeEquivalentTo(["n1", "n3"]);
        plan.Desired["n1"].Should().ContainSingle().Which.Should().Be(new PlannedImage("reg/a:1", null, null, true, null, new[] { Warm }.ToValueList(), null, "10m", 3));
    }

    [Fact]
    public void Two_spellings_of_one_image_share_one_entry_that_the_NodeImage_webhook_accepts_and_both_owners_see_present()
    {
        var digest = "sha256:" + new string('a', 64);
        var current = new Dictionary<string, ValueList<PlannedImage>>
        {
            ["n1"] = new[] { Entry("127.0.0.1:5000/shared/app:latest", digest, Other) }.ToValueList(),
        };
        var intent = Intent(Warm, ["127.0.0.1:5000/shared/app"], 5, new Dictionary<(string, string), string> { [("127.0.0.1:5000/shared/app", "linux/amd64")] = digest });

        var plan = NodeImagePlanner.Plan(intent, [new TargetNode("n1", "linux/amd64", NodePhase.Pulling)], current);

        var shared = plan.Desired["n1"].Should().ContainSingle().Subject;
        shared.Owners.Should().Equal(Other, Warm);
        var nodeImage = new Api.V1Alpha1NodeImage { Metadata = new k8s.Models.V1ObjectMeta { Name = "n1" }, Spec = new Api.NodeImageSpec { Images = [.. plan.Desired["n1"].Select(e => e.ToWanted())] } };
        new Api.NodeImageValidator().Validate(nodeImage).Errors.Should().BeEmpty();

        // The agent reports the entry as it is written; the other spelling finds it.
        var status = new Api.NodeImageStatus { Images = [new Api.NodeImageEntryStatus { Reference = shared.Reference, Phase = Api.ImagePhase.Present, Digest = digest }] };
        NodeProgress.Of("n1", status, ["127.0.0.1:5000/shared/app"], "linux/amd64", intent.Digests, intent.RepoDigests).Phase.Should().Be(NodePhase.Ready);
    }

    [Fact]
    public void Shares_an_entry_with_another_owner_and_leaves_it_to_them_when_the_node_is_no_longer_a_target()
    {
        var current = new Dictionary<string, ValueList<PlannedImage>>
        {
            ["n1"] = new[] { Entry("reg/a:1", "sha256:aa", Other) }.ToValueList(),
        };
        var intent = Intent(Warm, ["reg/a:1"], 5, new Dictionary<(string, string), string> { [("reg/a:1", "linux/amd64")] = "sha256:aa" });
        var plan = NodeImagePlanner.Plan(intent, [new TargetNode("n1", "linux/amd64", NodePhase.Pulling)], current);
        var shared = plan.Desired["n1"].Should().ContainSingle().Subject;
        shared.Owners.Should().Equal(Other, Warm);
        shared.Pin.Should().BeTrue("the most generous setting wins on a shared entry");

        var applied = new Dictionary<string, ValueList<PlannedImage>>(current) { ["n1"] = plan.Desired["n1"] };
        var gone = NodeImagePlanner.Plan(intent, [], applied);
        gone.Desired["n1"].Should().ContainSingle().Which.Owners.Should().Equal(Other);
    }

    [Fact]
    public void A_moved_tag_replaces_the_owner_s_entry_and_keeps_the_other_owner_s_old_digest()
    {
        var current = new Dictionary<string, ValueList<PlannedImage>>
        {
            ["n1"] = new[] { Entry("reg/a:1", "sha256:aa", Other, Warm) }.ToValueList(),
        };
        var intent = Intent(Warm, ["reg/a:1"], 5, new Dictionary<(string, string), string> { [("reg/a:1", "linux/amd64")] = "sha256:bb" });
        var plan = NodeImagePlanner.Plan(intent, [new TargetNode("n1", "linux/amd64", NodePhase.Pulling)], current);
        plan.Desired["n1"].Select(e => (e.Digest, string.Join(",", e.Owners.Select(o => o.Name)))).Should().Equal(("sha256:aa", "other"), ("sha256:bb", "warm"));
    }

    private sealed record Scenario(
        PrePullIntent Intent,
        IReadOnlyList<TargetNode> Targets,
        Dictionary<string, ValueList<PlannedImage>> Current);

    private static Gen<Scenario> Scenarios()
    {
        var owner = Gen.Elements(Warm, Other, new PlannedOwner("ImagePolicy", "default", "pol"));
        var entry =
            from reference in Gen.Elements(References)
            from digest in Gen.Elements(Digests)
            from owners in Gen.NonEmptyListOf(owner)
            from pin in Gen.Elements(true, false)
            select new PlannedImage(reference, digest, null, pin, null, owners.Distinct().ToValueList(), null, null, null);
        var node =
            from phase in Gen.Elements(NodePhase.Pulling, NodePhase.Ready, NodePhase.Failed)
            from platform in Gen.Elements(Platforms)
            from target in Gen.Elements(true, true, false)
            from entries in Gen.ListOf(entry).Select(l => l.Take(4).ToList())
            select (phase, platform, target, entries);
        var digests =
            from values in Gen.ArrayOf(Gen.Elements("sha256:aa", "sha256:bb"), References.Length * Platforms.Length)
            select References.SelectMany((r, i) => Platforms.Select((p, j) => (Key: (r, p), Value: values[(i * Platforms.Length) + j]))).ToDictionary(x => x.Key, x => x.Value);
        return
            from nodes in Gen.ListOf(node).Select(l => l.Take(8).ToList())
            from images in Gen.NonEmptyListOf(Gen.Elements(References)).Select(l => l.Take(3).ToArray())
            from parallelism in Gen.Choose(1, 4)
            from resolved in digests
            from pin in Gen.Elements(true, false)
            select new Scenario(
                Intent(Warm, images, parallelism, resolved, pin),
                nodes.Select((n, i) => (n, i)).Where(x => x.n.target).Select(x => new TargetNode($"n{x.i}", x.n.platform, x.n.phase)).ToList(),
                nodes.Select((n, i) => (n, i)).Where(x => x.n.entries.Count > 0).ToDictionary(x => $"n{x.i}", x => x.n.entries.ToValueList()));
    }

    private static Dictionary<string, ValueList<PlannedImage>> Apply(Dictionary<string, ValueList<PlannedImage>> current, IReadOnlyDictionary<string, ValueList<PlannedImage>> desired)
    {
        var applied = new Dictionary<string, ValueList<PlannedImage>>(current);
        foreach (var (node, entries) in desired)
        {
            applied[node] = entries;
        }

        return applied;
    }

    [Property(MaxTest = 300)]
    public Property Parallelism_is_never_exceeded() => Prop.ForAll(Scenarios().ToArbitrary(), s =>
    {
        bool Carried(IReadOnlyDictionary<string, ValueList<PlannedImage>> nodeImages, string node) => nodeImages.TryGetValue(node, out var e) && e.Any(i => i.Owners.Contains(Warm));
        var before = s.Targets.Count(t => t.Phase == NodePhase.Pulling && Carried(s.Current, t.Name));
        var plan = NodeImagePlanner.Plan(s.Intent, s.Targets, s.Current);
        var after = s.Targets.Count(t => t.Phase == NodePhase.Pulling && Carried(Apply(s.Current, plan.Desired), t.Name));
        return after <= Math.Max(s.Intent.Parallelism, before) && plan.Carrying.All(n => Carried(Apply(s.Current, plan.Desired), n));
    });

    [Property(MaxTest = 300)]
    public Property Entries_of_other_owners_are_preserved() => Prop.ForAll(Scenarios().ToArbitrary(), s =>
    {
        var plan = NodeImagePlanner.Plan(s.Intent, s.Targets, s.Current);
        static HashSet<(string, string?, PlannedOwner)> OthersOf(IEnumerable<PlannedImage> entries) =>
            entries.SelectMany(e => e.Owners.Where(o => o != Warm).Select(o => (e.Reference, e.Digest, o))).ToHashSet();
        return plan.Desired.All(d => OthersOf(d.Value).SetEquals(OthersOf(s.Current.GetValueOrDefault(d.Key) ?? new ValueList<PlannedImage>([]))));
    });

    [Property(MaxTest = 300)]
    public Property Every_carrying_node_wants_every_image_at_its_platform_digest() => Prop.ForAll(Scenarios().ToArbitrary(), s =>
    {
        var plan = NodeImagePlanner.Plan(s.Intent, s.Targets, s.Current);
        return s.Targets.Where(t => plan.Carrying.Contains(t.Name)).All(t =>
            s.Intent.Images.All(image => plan.Desired[t.Name].Any(e => e.Reference == image && e.Digest == s.Intent.Digests[(image, t.Platform)] && e.Owners.Contains(Warm))))
            && plan.Desired.Values.SelectMany(v => v).All(e => e.Owners.Count > 0);
    });

    [Property(MaxTest = 300)]
    public Property Planning_twice_changes_nothing() => Prop.ForAll(Scenarios().ToArbitrary(), s =>
    {
        var first = NodeImagePlanner.Plan(s.Intent, s.Targets, s.Current);
        var applied = Apply(s.Current, first.Desired);
        var second = NodeImagePlanner.Plan(s.Intent, s.Targets, applied);
        return second.Desired.All(d => applied.TryGetValue(d.Key, out var now) ? now.Equals(d.Value) : d.Value.Count == 0)
            && second.Carrying.SetEquals(first.Carrying);
    });

    [Property(MaxTest = 300)]
    public Property Removing_the_owner_leaves_no_orphan_entries() => Prop.ForAll(Scenarios().ToArbitrary(), s =>
    {
        var applied = Apply(s.Current, NodeImagePlanner.Plan(s.Intent, s.Targets, s.Current).Desired);
        var removed = Apply(applied, NodeImagePlanner.Remove(Warm, applied));
        var noTargets = Apply(applied, NodeImagePlanner.Plan(s.Intent, [], applied).Desired);
        return new[] { removed, noTargets }.All(after =>
            after.Values.SelectMany(v => v).All(e => e.Owners.Count > 0 && !e.Owners.Contains(Warm)));
    });
}
