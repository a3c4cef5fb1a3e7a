using k8s.Models;
using Longshore.Api;

namespace Longshore.Operator.Tests;

public sealed class PodDriftFinderTests
{
    private static readonly string A = "sha256:" + new string('a', 64);
    private static readonly string B = "sha256:" + new string('b', 64);
    private static readonly string Amd = "sha256:" + new string('d', 64);

    private static readonly ImageLock AppLock = new()
    {
        Image = "reg.example:5000/team/app",
        Digest = A,
        PlatformDigests = [new PlatformDigest { Platform = "linux/amd64", Digest = Amd }],
    };

    private static readonly ImageLock NginxLock = new() { Image = "nginx", Digest = A };

    private static V1Pod Pod(string name, string image, string? imageId, string container = "main", string? phase = "Running", IDictionary<string, string>? labels = null, bool init = false)
    {
        var status = new V1ContainerStatus { Name = container, Image = image, ImageID = imageId ?? string.Empty, Ready = true, RestartCount = 0 };
        return new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "ns", Labels = labels },
            Spec = init
                ? new V1PodSpec { InitContainers = [new V1Container { Name = container, Image = image }], Containers = [new V1Container { Name = "other", Image = "busybox" }] }
                : new V1PodSpec { Containers = [new V1Container { Name = container, Image = image }] },
            Status = new V1PodStatus { Phase = phase, ContainerStatuses = init ? null : [status], InitContainerStatuses = init ? [status] : null },
        };
    }

    [Fact]
    public void Containers_on_the_lock_or_one_of_its_platform_manifests_are_not_drift()
    {
        var pods = new[]
        {
            Pod("on-index", "reg.example:5000/team/app:stable", $"reg.example:5000/team/app@{A}"),
            Pod("on-platform", "reg.example:5000/team/app@" + Amd, $"docker-pullable://reg.example:5000/team/app@{Amd}"),
        };
        PodDriftFinder.Find([AppLock], pods, null).Count.Should().Be(0);
    }

    [Fact]
    public void Containers_of_a_locked_repository_on_another_digest_are_counted_and_listed()
    {
        var pods = new[]
        {
            Pod("off", "reg.example:5000/team/app:stable", $"reg.example:5000/team/app@{B}"),
            Pod("short-name", "nginx:1.25", $"docker.io/library/nginx@{B}"),
            Pod("init", "reg.example:5000/team/app:stable", $"reg.example:5000/team/app@{B}", container: "setup", init: true),
            Pod("unlocked", "busybox:1", $"docker.io/library/busybox@{B}"),
            Pod("not-started", "reg.example:5000/team/app:stable", null),
            Pod("image-id-only", "reg.example:5000/team/app:stable", B),
            Pod("done", "reg.example:5000/team/app:stable", $"reg.example:5000/team/app@{B}", phase: "Succeeded"),
        };
        var report = PodDriftFinder.Find([AppLock, NginxLock], pods, null);
        report.Count.Should().Be(3);
        report.ByImage.Should().BeEquivalentTo(new Dictionary<string, int> { ["reg.example:5000/team/app"] = 2, ["nginx"] = 1 });
        report.Sample.Select(p => (p.Pod, p.Container, p.Image, p.Digest)).Should().Equal(
            ("init", "setup", "reg.example:5000/team/app", B),
            ("off", "main", "reg.example:5000/team/app", B),
            ("short-name", "main", "nginx", B));
    }

    [Fact]
    public void The_pod_selector_narrows_and_the_list_is_bounded()
    {
        var pods = Enumerable.Range(0, 30).Select(i => Pod($"p{i:00}", "nginx", $"nginx@{B}", labels: new Dictionary<string, string> { ["app"] = i < 25 ? "web" : "batch" })).ToList();
        var report = PodDriftFinder.Find([NginxLock], pods, new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } });
        report.Count.Should().Be(25);
        report.Sample.Should().HaveCount(PodDriftFinder.MaxListed);
    }

    [Theory]
    [InlineData("docker-pullable://reg/app@sha256:" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", null)]
    [InlineData("", null)]
    [InlineData("reg/app@sha256:short", null)]
    public void Digest_of_an_image_id(string imageId, string? digest) => PodDriftFinder.DigestOf(imageId).Should().Be(digest);
}
