using System.Text.Json;
using k8s;
using k8s.Models;
using Longshore.Api;
using Longshore.Kube;
using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.Operator.Tests;

/// <summary>A real kube-apiserver and registry, Longshore's CRDs and RBAC, and the operator running under config/rbac's roles.</summary>
public sealed class ImagePolicyEnvironment : IAsyncLifetime
{
    private Microsoft.AspNetCore.Builder.WebApplication? _app;

    public KubeApiServer Api { get; private set; } = null!;

    public RegistryServer Registry { get; private set; } = null!;

    public Kubernetes Admin { get; private set; } = null!;

    public OperatorOptions Options { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var api = KubeApiServer.StartAsync();
        var registry = RegistryServer.StartAsync();
        Api = await api;
        Registry = await registry;
        await OperatorInstall.InstallAsync(Api, OperatorInstall.User("operator"), OperatorInstall.User("agent"));
        Admin = Api.CreateClient();
        // Every due refresh asks the registry: the tests move tags and expect the next refresh to see it.
        Options = new OperatorOptions
        {
            Namespace = OperatorInstall.Namespace,
            ListenAddress = "127.0.0.1",
            MetricsPort = FreePort.Next(),
            WebhookPort = FreePort.Next(),
            LeaseDuration = TimeSpan.FromSeconds(5),
            Identity = "policy-test",
            PolicyRefreshWindow = TimeSpan.Zero,
        };
        _app = OperatorHost.Build(Options, Api.CreateClient(Api.Identities["operator"]));
        await _app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        Admin.Dispose();
        await Api.DisposeAsync();
        await Registry.DisposeAsync();
    }
}

/// <summary>
/// ImagePolicy end to end: tags moved in a real registry, Pods whose status says which digest they run (written as
/// kubelet would), a registry that stops.
/// </summary>
public sealed class ImagePolicyTests(ImagePolicyEnvironment environment) : IClassFixture<ImagePolicyEnvironment>
{
    private readonly CustomResourceClient<V1Alpha1ImagePolicy> _policies = new(environment.Admin);

    private static Task<T> Eventually<T>(Func<Task<T?>> probe, string what, int seconds = 60) => Poll.UntilAsync(probe, what, seconds, 200);

    [Fact]
    public async Task Follow_moves_the_lock_with_history_and_an_event_and_pods_on_another_digest_are_drift()
    {
        var ns = await NamespaceAsync("follow");
        var v1 = Index("follow-v1");
        var v2 = Index("follow-v2");
        await Skopeo.PublishAsync(v1, environment.Registry, "pol/web:stable");
        foreach (var (tag, content) in new[] { ("1.0.0", "a"), ("1.2.0", "b"), ("1.10.1", "c"), ("2.0.0-rc.1", "d"), ("latest", "e") })
        {
            await Skopeo.PublishAsync(new TestImageBuilder().WithFile("app", content).Build(), environment.Registry, $"pol/api:{tag}");
        }

        var web = environment.Registry.Reference("pol/web");
        var apiRepository = environment.Registry.Reference("pol/api");
        await CreatePolicyAsync(ns, "web", $$"""{"images": [{"repository": "{{web}}", "tag": "stable"}, {"repository": "{{apiRepository}}", "semver": ">=1.0.0 <2.0.0"}]}""");

        var locked = await Eventually(() => PolicyWhenAsync(ns, "web", p => p.Status?.Locks is { Count: 2 } && Conditions.IsTrue(p.Status.Conditions, "Ready")), "the policy locks both images");
        var webLock = locked.Status!.Locks![0];
        (webLock.Image, webLock.Tag, webLock.Digest).Should().Be((web, "stable", v1.Digest.ToString()));
        webLock.PlatformDigests!.Select(p => (p.Platform, p.Digest)).Should().BeEquivalentTo(v1.Images.Select(i => (i.Platform.ToString(), i.ManifestDigest.ToString())));
        (locked.Status.Locks[1].Tag, locked.Status.Locks[1].Semver).Should().Be(("1.10.1", ">=1.0.0 <2.0.0"), "the highest tag in range, not a pre-release");

        // A Pod that runs the old digest is drift once the lock has moved; one on the new index's platform manifest is not.
        await CreatePodAsync(ns, "web-old", $"{web}:stable", $"{web}@{v1.Digest}");
        await CreatePodAsync(ns, "web-new", $"{web}:stable", null);
        await Skopeo.PublishAsync(v2, environment.Registry, "pol/web:stable");
        await RequestRefreshAsync(ns, "web", "1");
        var moved = await Eventually(() => PolicyWhenAsync(ns, "web", p => p.Status?.Locks?[0].Digest == v2.Digest.ToString() && p.Status.Drift?.PodsOffDigest == 1), "the lock follows the tag and the old Pod drifts");
        var moved0 = moved.Status!.Locks![0];
        moved0.PreviousDigest.Should().Be(v1.Digest.ToString());
        moved0.History!.Select(h => h.Digest).Should().Equal(v2.Digest.ToString(), v1.Digest.ToString());
        moved0.History![1].To.Should().NotBeNull();
        moved.Status.Pods!.Select(p => (p.Pod, p.Container, p.Digest)).Should().Equal(("web-old", "main", v1.Digest.ToString()));
        (await Eventually(() => EventAsync(ns, "web", "TagMoved"), "a TagMoved event")).Message.Should().Contain(v2.Digest.ToString());

        await SetImageIdAsync(ns, "web-new", $"{web}@{v2.For("linux/arm64").ManifestDigest}");
        await SetImageIdAsync(ns, "web-old", $"{web}@{v2.For("linux/amd64").ManifestDigest}");
        await Eventually(() => PolicyWhenAsync(ns, "web", p => p.Status?.Drift?.PodsOffDigest == 0 && !Conditions.IsTrue(p.Status.Conditions, "Drifted")), "Pods on the lock's platform manifests are not drift");

        await SetImageIdAsync(ns, "web-new", $"{web}@{v1.Digest}");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{environment.Options.MetricsPort}") };
        var scrape = await Eventually(
            async () =>
            {
                var text = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
                return Sample(text, "longshore_imagepolicy_drift", $"image=\"{web}\"", "kind=\"pods_off_digest\"", "name=\"web\"", $"namespace=\"{ns}\"") == "1" ? text : null;
            },
            "the drift gauge counts the Pod off digest");
        Sample(scrape, "longshore_imagepolicy_tag_moves_total", $"image=\"{web}\"", "name=\"web\"", $"namespace=\"{ns}\"").Should().Be("1");
        Sample(scrape, "longshore_imagepolicy_drift", $"image=\"{web}\"", "kind=\"tag_moved\"", $"namespace=\"{ns}\"").Should().Be("0");
        Sample(scrape, "longshore_imagepolicy_lock_stale", $"image=\"{web}\"", $"namespace=\"{ns}\"").Should().Be("0");
        Sample(scrape, "longshore_imagepolicy_resolutions_total", "result=\"success\"").Should().NotBeNull();
        Sample(scrape, "longshore_registry_resolution_cache_misses_total").Should().NotBeNull();
    }

    [Fact]
    public async Task Hold_reports_the_moved_tag_as_drift_until_the_spec_approves_the_new_digest()
    {
        var ns = await NamespaceAsync("hold");
        var v1 = new TestImageBuilder().WithFile("held", "1").Build();
        var v2 = new TestImageBuilder().WithFile("held", "2").Build();
        await Skopeo.PublishAsync(v1, environment.Registry, "pol/held:prod");
        var repository = environment.Registry.Reference("pol/held");
        await CreatePolicyAsync(ns, "held", $$"""{"images": [{"repository": "{{repository}}", "tag": "prod", "updatePolicy": "Hold"}]}""");
        await Eventually(() => PolicyWhenAsync(ns, "held", p => p.Status?.Locks?[0].Digest == v1.ManifestDigest.ToString()), "the first resolution is locked");

        await Skopeo.PublishAsync(v2, environment.Registry, "pol/held:prod");
        await RequestRefreshAsync(ns, "held", "1");
        var held = await Eventually(() => PolicyWhenAsync(ns, "held", p => p.Status?.Drift?.TagMoved == 1), "the moved tag is drift");
        (held.Status!.Locks![0].Digest, held.Status.Locks[0].RegistryDigest).Should().Be((v1.ManifestDigest.ToString(), v2.ManifestDigest.ToString()));
        var drifted = held.Status.Conditions!.Single(c => c.Type == "Drifted");
        (drifted.Status, drifted.Reason).Should().Be(("True", "TagMoved"));
        (await Eventually(() => EventAsync(ns, "held", "TagMoved"), "a TagMoved warning")).Type.Should().Be("Warning");

        // Approval is a spec change, as a GitOps commit would make it.
        await _policies.PatchAsync(ns, "held", new { spec = new { images = new[] { new { repository, tag = "prod", updatePolicy = "Hold", digest = v2.ManifestDigest.ToString() } } } });
        var approved = await Eventually(() => PolicyWhenAsync(ns, "held", p => p.Status?.Locks?[0].Digest == v2.ManifestDigest.ToString() && p.Status.ObservedGeneration == p.Metadata.Generation), "the approved digest is locked");
        (approved.Status!.Drift!.TagMoved, approved.Status.Locks![0].RegistryDigest, approved.Status.Locks[0].PreviousDigest).Should().Be((0, (string?)null, v1.ManifestDigest.ToString()));
        approved.Status.Conditions!.Single(c => c.Type == "Drifted").Status.Should().Be("False");
        await Eventually(() => EventAsync(ns, "held", "LockApproved"), "a LockApproved event");
    }

    [Fact]
    public async Task A_stopped_registry_keeps_the_last_known_good_lock_and_reports_stale_until_it_answers_again()
    {
        var ns = await NamespaceAsync("stale");
        await using var registry = await RegistryServer.StartAsync();
        var image = new TestImageBuilder().WithFile("stale", "1").Build();
        await Skopeo.PublishAsync(image, registry, "pol/stale:1");
        var repository = registry.Reference("pol/stale");
        await CreatePolicyAsync(ns, "stale", $$"""{"images": [{"repository": "{{repository}}", "tag": "1"}]}""");
        await Eventually(() => PolicyWhenAsync(ns, "stale", p => p.Status?.Locks?[0].Digest == image.ManifestDigest.ToString()), "the image is locked");

        await registry.StopAsync();
        await RequestRefreshAsync(ns, "stale", "1");
        var stale = await Eventually(() => PolicyWhenAsync(ns, "stale", p => Conditions.IsTrue(p.Status?.Conditions, "Stale")), "the policy is stale", 90);
        var @lock = stale.Status!.Locks![0];
        (@lock.Digest, @lock.Stale).Should().Be((image.ManifestDigest.ToString(), (bool?)true));
        @lock.Message.Should().NotBeNullOrEmpty();
        var condition = stale.Status.Conditions!.Single(c => c.Type == "Stale");
        (condition.Reason, condition.Message).Should().Be(("RegistryUnavailable", $"last known good digest in use: {repository}: {@lock.Message}"));
        Conditions.IsTrue(stale.Status.Conditions, "Ready").Should().BeTrue("the lock still stands");
        stale.Status.NextRefreshTime.Should().BeOnOrBefore(DateTime.UtcNow.AddMinutes(1).AddSeconds(5), "a failed refresh is tried again within a minute");

        await registry.StartAgainAsync();
        await RequestRefreshAsync(ns, "stale", "2");
        var fresh = await Eventually(() => PolicyWhenAsync(ns, "stale", p => p.Status?.LastHandledRefreshRequest == "2" && !Conditions.IsTrue(p.Status.Conditions, "Stale")), "the policy is fresh again", 90);
        fresh.Status!.Locks![0].Stale.Should().BeNull();
    }

    /// <summary>The value of the first sample of <paramref name="metric"/> carrying every label given (in any order), or null.</summary>
    private static string? Sample(string scrape, string metric, params string[] labels) =>
        scrape.Split('\n')
            .Where(line => line.StartsWith(metric + "{", StringComparison.Ordinal) || line.StartsWith(metric + " ", StringComparison.Ordinal))
            .Where(line => labels.All(label => line.Contains(label, StringComparison.Ordinal)))
            .Select(line => line[(line.LastIndexOf(' ') + 1)..])
            .FirstOrDefault();

    private static BuiltIndex Index(string content) => new TestIndexBuilder()
        .Add(new TestImageBuilder().WithPlatform("linux/amd64").WithFile("app", content + "-amd64").Build())
        .Add(new TestImageBuilder().WithPlatform("linux/arm64").WithFile("app", content + "-arm64").Build())
        .Build();

    private async Task<string> NamespaceAsync(string prefix)
    {
        var name = $"{prefix}-{Guid.NewGuid():N}"[..20];
        await environment.Admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        return name;
    }

    private async Task CreatePolicyAsync(string ns, string name, string specJson)
    {
        var policy = new V1Alpha1ImagePolicy
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
            Spec = JsonSerializer.Deserialize<ImagePolicySpec>(specJson)!,
        };
        await _policies.CreateAsync(policy);
    }

    private Task RequestRefreshAsync(string ns, string name, string value) =>
        _policies.PatchAsync(ns, name, new { metadata = new { annotations = new Dictionary<string, string> { [PolicyRefresh.Annotation] = value } } });

    private async Task<V1Alpha1ImagePolicy?> PolicyWhenAsync(string ns, string name, Func<V1Alpha1ImagePolicy, bool> condition)
    {
        var policy = await _policies.GetAsync(ns, name);
        return policy is not null && condition(policy) ? policy : null;
    }

    private async Task<Corev1Event?> EventAsync(string ns, string name, string reason)
    {
        var events = await environment.Admin.CoreV1.ListNamespacedEventAsync(ns);
        return events.Items.FirstOrDefault(e => e.InvolvedObject.Name == name && e.Reason == reason);
    }

    /// <summary>A Pod with no node; its status is written as kubelet would, with the imageID it runs.</summary>
    private async Task CreatePodAsync(string ns, string name, string image, string? imageId)
    {
        try
        {
            await environment.Admin.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "default" } }, ns);
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
        }

        await environment.Admin.CoreV1.CreateNamespacedPodAsync(
            new V1Pod
            {
                Metadata = new V1ObjectMeta { Name = name },
                Spec = new V1PodSpec { AutomountServiceAccountToken = false, Containers = [new V1Container { Name = "main", Image = image }] },
            },
            ns);
        if (imageId is not null)
        {
            await SetImageIdAsync(ns, name, imageId);
        }
    }

    private async Task SetImageIdAsync(string ns, string name, string imageId)
    {
        var pod = await environment.Admin.CoreV1.ReadNamespacedPodAsync(name, ns);
        pod.Status ??= new V1PodStatus();
        pod.Status.Phase = "Running";
        pod.Status.ContainerStatuses =
        [
            new V1ContainerStatus { Name = "main", Image = pod.Spec.Containers[0].Image, ImageID = imageId, Ready = true, RestartCount = 0, State = new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = DateTime.UtcNow } } },
        ];
        await environment.Admin.CoreV1.ReplaceNamespacedPodStatusAsync(pod, name, ns);
    }
}
