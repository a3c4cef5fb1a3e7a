using k8s.Models;

namespace Longshore.Api.Tests;

/// <summary>Field paths of nested rules (lists, selectors, child objects), the way the admission webhook reports them.</summary>
public sealed class ValidatorPathTests
{
    private static List<string> PrePull(string spec) =>
        Samples.Messages(new ImagePrePullValidator().Validate(k8s.KubernetesYaml.Deserialize<V1Alpha1ImagePrePull>($"apiVersion: longshore.io/v1alpha1\nkind: ImagePrePull\nmetadata: {{name: x, namespace: default}}\nspec:\n  {spec}\n"))).ToList();

    public static TheoryData<string, string> BadPrePulls => new()
    {
        { "images: [app, '']", "spec.images[1]: must not be empty: expected an image reference" },
        { "images: [app]\n  nodeNames: [node-a, 'Bad/Name']", "spec.nodeNames[1]: 'Bad/Name' is not a valid node name" },
        { "images: [app]\n  nodeNames: [node-a, node-b, node-a]", "spec.nodeNames[2]: 'node-a' is listed twice" },
        { "images: [app]\n  nodeSelector:\n    matchLabels: {zone: 'bad value!'}", "spec.nodeSelector.matchLabels[zone]: value 'bad value!'" },
        { "images: [app]\n  nodeSelector:\n    matchExpressions:\n    - {key: zone, operator: Near, values: [a]}", "spec.nodeSelector.matchExpressions[0].operator: 'Near' is not one of In, NotIn, Exists, DoesNotExist" },
        { "images: [app]\n  nodeSelector:\n    matchExpressions:\n    - {key: zone, operator: In, values: [a]}\n    - {key: 'bad key!', operator: Exists, values: [b]}", "spec.nodeSelector.matchExpressions[1].key: 'bad key!'" },
        { "images: [app]\n  nodeSelector:\n    matchExpressions:\n    - {key: zone, operator: Exists, values: [b]}", "spec.nodeSelector.matchExpressions[0].values: must be empty for operator Exists" },
        { "images: [app]\n  nodeSelector:\n    matchExpressions:\n    - {key: zone, operator: In, values: ['a b']}", "spec.nodeSelector.matchExpressions[0].values: 'a b' must be at most 63 characters" },
        { "images: [app]\n  tolerations:\n  - {key: a, operator: Maybe}", "spec.tolerations[0].operator: 'Maybe' is not one of Exists, Equal" },
        { "images: [app]\n  tolerations:\n  - {key: a, operator: Equal, value: b}\n  - {key: a, operator: Equal, value: b, effect: Sometimes}", "spec.tolerations[1].effect: 'Sometimes' is not one of NoSchedule, PreferNoSchedule, NoExecute" },
        { "images: [app]\n  tolerations:\n  - {operator: Equal, value: b}", "spec.tolerations[0].operator: must be Exists when key is empty (tolerate every taint)" },
        { "images: [app]\n  backoffLimit: -1", "spec.backoffLimit: -1 must not be negative" },
        { "images: [app]\n  pullTimeout: 0s", "spec.pullTimeout: '0s' must be longer than zero" },
    };

    [Theory]
    [MemberData(nameof(BadPrePulls))]
    public void Bad_prepulls_name_the_nested_field(string spec, string message) =>
        PrePull(spec).Should().Contain(m => m.StartsWith(message, StringComparison.Ordinal));

    [Fact]
    public void A_valid_prepull_with_every_field_has_no_problems() =>
        PrePull("images: [app, ghcr.io/org/tool@sha256:" + new string('a', 64) + "]\n  nodeNames: [node-a, node-b]\n  nodeSelector:\n    matchLabels: {zone: a}\n    matchExpressions:\n    - {key: example.com/pool, operator: NotIn, values: [gpu]}\n  tolerations:\n  - {operator: Exists}\n  - {key: a, operator: Equal, value: b, effect: NoExecute}\n  imagePullSecrets: [{name: regcred}]\n  pullTimeout: 90s\n  platform: linux/arm64")
            .Should().BeEmpty();

    [Fact]
    public void A_missing_spec_is_reported_once()
    {
        var messages = Samples.Messages(new ImagePrePullValidator().Validate(new V1Alpha1ImagePrePull { Metadata = new V1ObjectMeta { Name = "x" }, Spec = null! })).ToList();
        messages.Should().Equal("spec: is required");
        Samples.Messages(new ImagePolicyValidator().Validate(new V1Alpha1ImagePolicy { Spec = null! })).Should().Equal("spec: is required");
        Samples.Messages(new ImagePruneValidator().Validate(new V1Alpha1ImagePrune { Spec = null! })).Should().Equal("spec: is required");
        Samples.Messages(new NodeImageValidator().Validate(new V1Alpha1NodeImage { Spec = null! })).Should().BeEmpty();
    }

    [Fact]
    public void A_repeated_policy_repository_names_the_first()
    {
        var policy = k8s.KubernetesYaml.Deserialize<V1Alpha1ImagePolicy>("apiVersion: longshore.io/v1alpha1\nkind: ImagePolicy\nmetadata: {name: x, namespace: default}\nspec:\n  images: [{repository: ghcr.io/org/app, tag: v1}, {repository: other, tag: v1}, {repository: 'ghcr.io/org/app', semver: '^1'}]\n");
        Samples.Messages(new ImagePolicyValidator().Validate(policy)).Should().Equal("spec.images[2].repository: 'ghcr.io/org/app' repeats spec.images[0]");
    }

    [Fact]
    public void Prune_thresholds_and_parallelism_name_their_fields()
    {
        var prune = k8s.KubernetesYaml.Deserialize<V1Alpha1ImagePrune>("apiVersion: longshore.io/v1alpha1\nkind: ImagePrune\nmetadata: {name: x}\nspec:\n  schedule: '@daily'\n  diskUsageAbove: 120\n  parallelism: 0\n  olderThan: '-1h'\n");
        var messages = Samples.Messages(new ImagePruneValidator().Validate(prune)).ToList();
        messages.Should().Contain("spec.diskUsageAbove: 120 must be a percentage from 0 to 100");
        messages.Should().Contain("spec.parallelism: 0 must be at least 1");
        messages.Should().Contain(m => m.StartsWith("spec.olderThan:", StringComparison.Ordinal));
    }

    [Fact]
    public void Node_image_owners_and_prune_requests_name_their_fields()
    {
        var node = new V1Alpha1NodeImage
        {
            Metadata = new V1ObjectMeta { Name = "n" },
            Spec = new NodeImageSpec
            {
                Images =
                [
                    new WantedImage { Reference = "app:1", Owners = [new ImageOwner { Kind = "ImagePrePull", Namespace = "a", Name = "p" }] },
                    new WantedImage { Reference = "docker.io/library/app:1", PullTimeout = "25h", Owners = [new ImageOwner { Kind = "Deployment", Name = "" }] },
                    new WantedImage { Reference = "app:1", Platform = "linux//x", Owners = [new ImageOwner { Kind = "ImagePolicy", Namespace = "a", Name = "p" }] },
                ],
                PruneRequests =
                [
                    new PruneRequest { Name = "", RunId = "", Mode = "All", OlderThan = "soon" },
                    new PruneRequest { Name = "p", RunId = "r", Keep = ["registry.k8s.io/*", "a b"], DiskUsageAbove = 101, DiskUsageTarget = 90 },
                    new PruneRequest { Name = "p", RunId = "r", DiskUsageAbove = 70, DiskUsageTarget = 80 },
                ],
            },
        };

        var messages = Samples.Messages(new NodeImageValidator().Validate(node)).ToList();

        messages.Should().Contain("spec.images[1].reference: 'docker.io/library/app:1' is listed twice for the same digest and platform");
        messages.Should().Contain("spec.images[1].owners[0].kind: 'Deployment' is not one of ImagePrePull, ImagePolicy");
        messages.Should().Contain("spec.images[1].owners[0].name: must not be empty");
        messages.Should().Contain(m => m.StartsWith("spec.images[1].pullTimeout: '25h' is longer than the maximum", StringComparison.Ordinal));
        messages.Should().Contain(m => m.StartsWith("spec.images[2].platform:", StringComparison.Ordinal));
        messages.Should().NotContain(m => m.StartsWith("spec.images[2].reference", StringComparison.Ordinal), "another platform is another entry");
        messages.Should().Contain("spec.pruneRequests[0].name: must name the ImagePrune");
        messages.Should().Contain("spec.pruneRequests[0].runId: must not be empty");
        messages.Should().Contain("spec.pruneRequests[0].mode: 'All' is not one of Dangling, Unused");
        messages.Should().Contain(m => m.StartsWith("spec.pruneRequests[0].olderThan:", StringComparison.Ordinal));
        messages.Should().Contain("spec.pruneRequests[1].keep[1]: 'a b' must be a reference pattern without spaces, e.g. registry.k8s.io/* or *:stable");
        messages.Should().NotContain(m => m.StartsWith("spec.pruneRequests[1].keep[0]", StringComparison.Ordinal));
        messages.Should().Contain("spec.pruneRequests[1].diskUsageAbove: 101 must be a percentage from 0 to 100");
        messages.Should().Contain("spec.pruneRequests[2].diskUsageTarget: 80 must be below diskUsageAbove (70)");
        messages.Should().NotContain(m => m.StartsWith("spec.images[0]", StringComparison.Ordinal));
    }
}
