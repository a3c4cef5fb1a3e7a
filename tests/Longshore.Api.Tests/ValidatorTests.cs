using k8s.Models;

namespace Longshore.Api.Tests;

public sealed class ValidatorTests
{
    [Fact]
    public void Every_sample_is_valid()
    {
        Samples.Messages(new ImagePrePullValidator().Validate(Samples.Load<V1Alpha1ImagePrePull>("imageprepull.yaml"))).Should().BeEmpty();
        Samples.Messages(new ImagePolicyValidator().Validate(Samples.Load<V1Alpha1ImagePolicy>("imagepolicy.yaml"))).Should().BeEmpty();
        Samples.Messages(new ImagePruneValidator().Validate(Samples.Load<V1Alpha1ImagePrune>("imageprune.yaml"))).Should().BeEmpty();
        Samples.Messages(new NodeImageValidator().Validate(Samples.Load<V1Alpha1NodeImage>("nodeimage.yaml"))).Should().BeEmpty();
    }

    [Fact]
    public void Samples_keep_their_fields_through_yaml()
    {
        var pull = Samples.Load<V1Alpha1ImagePrePull>("imageprepull.yaml");
        pull.Spec.Images.Should().HaveCount(2);
        pull.Spec.NodeSelector!.MatchExpressions[0].OperatorProperty.Should().Be("DoesNotExist");
        pull.Spec.Tolerations![0].Effect.Should().Be("NoSchedule");
        pull.Spec.Parallelism.Should().Be(20);
        var prune = Samples.Load<V1Alpha1ImagePrune>("imageprune.yaml");
        prune.Spec.DiskUsageTarget.Should().Be(60);
        prune.Spec.Keep.Should().Contain("*:stable");
    }

    public static TheoryData<string, string> BadPrePulls => new()
    {
        { "images: [Upper/Case:1]", "spec.images[0]: 'Upper/Case:1' is not a valid image reference" },
        { "images: [app:1, docker.io/library/app:1]", "spec.images[1]: 'docker.io/library/app:1' repeats spec.images[0]" },
        { "images: [app]\n  pullTimeout: 10 minutes", "spec.pullTimeout:" },
        { "images: [app]\n  pullTimeout: 48h", "spec.pullTimeout: '48h' is longer than the maximum" },
        { "images: [app]\n  platform: linux//arm", "spec.platform:" },
        { "images: [app]\n  parallelism: 0", "spec.parallelism: 0 must be at least 1" },
        { "images: [app]\n  nodeSelector:\n    matchExpressions:\n    - {key: zone, operator: In}", "spec.nodeSelector.matchExpressions[0].values: must not be empty for operator In" },
        { "images: [app]\n  nodeSelector:\n    matchLabels: {'bad key!': x}", "spec.nodeSelector.matchLabels: key 'bad key!'" },
        { "images: [app]\n  tolerations:\n  - {key: a, operator: Exists, value: b}", "spec.tolerations[0].value: must be empty when operator is Exists" },
        { "images: [app]\n  imagePullSecrets:\n  - {name: ''}", "spec.imagePullSecrets[0].name:" },
        { "images: []", "spec.images: must list at least one image" },
    };

    [Theory]
    [MemberData(nameof(BadPrePulls))]
    public void Bad_prepulls_name_the_field(string spec, string message)
    {
        var pull = k8s.KubernetesYaml.Deserialize<V1Alpha1ImagePrePull>($"apiVersion: longshore.io/v1alpha1\nkind: ImagePrePull\nmetadata: {{name: x, namespace: default}}\nspec:\n  {spec}\n");
        Samples.Messages(new ImagePrePullValidator().Validate(pull)).Should().Contain(m => m.StartsWith(message, StringComparison.Ordinal));
    }

    public static TheoryData<string, string> BadPrunes => new()
    {
        { "schedule: '61 * * * *'", "spec.schedule: minute field '61'" },
        { "schedule: '* * *'", "spec.schedule: '* * *' has 3 fields" },
        { "schedule: '@sometimes'", "spec.schedule: '@sometimes' is not a known macro" },
        { "schedule: '@daily'\n  timeZone: Mars/Olympus", "spec.timeZone: 'Mars/Olympus' is not a known IANA time zone" },
        { "schedule: '@daily'\n  olderThan: 7d", "spec.olderThan: '7d' has an unknown unit 'd'" },
        { "schedule: '@daily'\n  diskUsageTarget: 50", "spec.diskUsageTarget: needs diskUsageAbove" },
        { "schedule: '@daily'\n  diskUsageAbove: 50\n  diskUsageTarget: 70", "spec.diskUsageTarget: 70 must be below diskUsageAbove (50)" },
        { "schedule: '@daily'\n  mode: Everything", "spec.mode: 'Everything' is not one of Dangling, Unused" },
        { "schedule: '@daily'\n  keep: ['has space']", "spec.keep[0]:" },
    };

    [Theory]
    [MemberData(nameof(BadPrunes))]
    public void Bad_prunes_name_the_field(string spec, string message)
    {
        var prune = k8s.KubernetesYaml.Deserialize<V1Alpha1ImagePrune>($"apiVersion: longshore.io/v1alpha1\nkind: ImagePrune\nmetadata: {{name: x}}\nspec:\n  {spec}\n");
        Samples.Messages(new ImagePruneValidator().Validate(prune)).Should().Contain(m => m.StartsWith(message, StringComparison.Ordinal));
    }

    public static TheoryData<string, string> BadPolicies => new()
    {
        { "images: [{repository: 'ghcr.io/org/app:1'}]", "spec.images[0].repository: 'ghcr.io/org/app:1' carries a tag or digest" },
        { "images: [{repository: ghcr.io/org/app}]", "spec.images[0]: set exactly one of tag and semver" },
        { "images: [{repository: ghcr.io/org/app, tag: v1, semver: '^1'}]", "spec.images[0]: set exactly one of tag and semver" },
        { "images: [{repository: ghcr.io/org/app, semver: 'newest'}]", "spec.images[0].semver: 'newest'" },
        { "images: [{repository: ghcr.io/org/app, tag: '-bad'}]", "spec.images[0].tag:" },
        { "images: [{repository: ghcr.io/org/app, tag: v1}]\n  mode: Block", "spec.mode: 'Block' is not one of Audit, Pin, Enforce" },
        { "images: [{repository: ghcr.io/org/app, tag: v1}]\n  refreshSchedule: 'every hour'", "spec.refreshSchedule:" },
        { "images: [{repository: ghcr.io/org/app, tag: v1}]\n  nodeSelector: {matchLabels: {a: b}}", "spec.nodeSelector: is only used with ensureOnNodes: true" },
        { "images: [{repository: ghcr.io/org/app, tag: v1, updatePolicy: Freeze}]", "spec.images[0].updatePolicy: 'Freeze' is not one of Follow, Hold" },
        { "images: [{repository: ghcr.io/org/app, tag: v1, updatePolicy: Hold, digest: 'sha256:abc'}]", "spec.images[0].digest: 'sha256:abc' is not a digest" },
        { "images: [{repository: ghcr.io/org/app, tag: v1, digest: 'sha256:" + new string('a', 64) + "'}]", "spec.images[0].digest: is the approved digest of updatePolicy Hold" },
        { "images: [{repository: ghcr.io/org/app, tag: v1}]\n  timeZone: Mars/Olympus", "spec.timeZone: 'Mars/Olympus' is not a known IANA time zone" },
        { "images: [{repository: ghcr.io/org/app, tag: v1}]\n  podSelector: {matchExpressions: [{key: a, operator: Near}]}", "spec.podSelector." },
    };

    [Theory]
    [MemberData(nameof(BadPolicies))]
    public void Bad_policies_name_the_field(string spec, string message)
    {
        var policy = k8s.KubernetesYaml.Deserialize<V1Alpha1ImagePolicy>($"apiVersion: longshore.io/v1alpha1\nkind: ImagePolicy\nmetadata: {{name: x, namespace: default}}\nspec:\n  {spec}\n");
        Samples.Messages(new ImagePolicyValidator().Validate(policy)).Should().Contain(m => m.StartsWith(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Bad_node_images_name_the_field()
    {
        var node = new V1Alpha1NodeImage
        {
            Metadata = new V1ObjectMeta { Name = "n" },
            Spec = new NodeImageSpec { Images = [new WantedImage { Reference = "app:1", Digest = "sha256:short", RepoDigest = "md5:abc", Owners = [] }] },
        };
        var messages = Samples.Messages(new NodeImageValidator().Validate(node)).ToList();
        messages.Should().Contain(m => m.StartsWith("spec.images[0].digest: 'sha256:short' is not a digest", StringComparison.Ordinal));
        messages.Should().Contain(m => m.StartsWith("spec.images[0].repoDigest: 'md5:abc' is not a digest", StringComparison.Ordinal));
        messages.Should().Contain("spec.images[0].owners: must name at least one owner");
    }
}
