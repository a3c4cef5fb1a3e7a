using System.Text.Json.Nodes;
using k8s.Models;
using Longshore.Api;
using Longshore.Kube;
using Longshore.Operator;
using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.E2E;

/// <summary>
/// The shipped alert rules in a real Prometheus scraping the operator, which runs against a real API server and
/// registry: a held tag that moves raises LongshoreImagePolicyTagMoved, and approving the new digest clears it.
/// </summary>
public sealed class AlertEndToEndTests(AlertEnvironment environment) : IClassFixture<AlertEnvironment>
{
    [Fact]
    public async Task A_held_tag_that_moves_raises_the_tag_moved_alert_until_the_new_digest_is_approved()
    {
        var api = environment.Api;
        using var admin = api.CreateClient();
        var first = new TestImageBuilder().WithFile("srv/web", "first build").Build();
        await Skopeo.PublishAsync(first, environment.Registry, "shop/web:stable");
        var repository = environment.Registry.Reference("shop/web");

        var options = new OperatorOptions
        {
            Namespace = OperatorInstall.Namespace,
            ListenAddress = "127.0.0.1",
            MetricsPort = FreePort.Next(),
            WebhookPort = FreePort.Next(),
            LeaderElection = false,
            // Answers are reused for this long within a refresh; the moved tag must be seen by the requested one.
            PolicyRefreshWindow = TimeSpan.FromMilliseconds(100),
            InsecureRegistries = [environment.Registry.Host],
            Identity = "alerts-test",
        };
        using var operatorClient = api.CreateClient(api.Identities["operator"]);
        await using var app = OperatorHost.Build(options, operatorClient);
        await app.StartAsync();
        await using var prometheus = await PrometheusServer.StartAsync(
            [$"127.0.0.1:{options.MetricsPort}"],
            [KubeApiServer.RepositoryFile("config/prometheus/rules/longshore.rules.yaml")],
            TimeSpan.FromSeconds(1));

        var policies = new CustomResourceClient<V1Alpha1ImagePolicy>(admin);
        await policies.CreateAsync(new V1Alpha1ImagePolicy
        {
            Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default" },
            Spec = new ImagePolicySpec { Images = [new PolicyImage { Repository = repository, Tag = "stable", UpdatePolicy = "Hold" }] },
        });
        await Poll.UntilAsync(
            async () => (await policies.GetAsync("default", "web"))?.Status?.Locks?.SingleOrDefault()?.Digest == first.ManifestDigest.ToString() ? "locked" : null,
            "the first resolution is locked and held",
            seconds: 60,
            intervalMilliseconds: 200);

        // The tag moves in the registry; a refresh request makes the operator look now rather than at the schedule.
        var second = new TestImageBuilder().WithFile("srv/web", "second build").Build();
        await Skopeo.PublishAsync(second, environment.Registry, "shop/web:stable");
        await policies.PatchAsync("default", "web", new { metadata = new { annotations = new Dictionary<string, string> { [PolicyRefresh.Annotation] = "moved" } } });
        ImageLock held;
        try
        {
            held = await Poll.UntilAsync(
                async () => (await policies.GetAsync("default", "web"))?.Status?.Locks?.SingleOrDefault() is { RegistryDigest: { } moved } l && moved == second.ManifestDigest.ToString() ? l : null,
                "the operator sees the moved tag and holds the lock",
                seconds: 60,
                intervalMilliseconds: 200);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\n{(await api.KubectlAsync(["get", "ipol", "-n", "default", "web", "-o", "yaml"])).StandardOutput}", e);
        }

        held.Digest.Should().Be(first.ManifestDigest.ToString());

        var alert = await Poll.UntilAsync(
            async () => (await prometheus.AlertsAsync()).FirstOrDefault(a => Is(a, "LongshoreImagePolicyTagMoved") && a["labels"]?["name"]?.GetValue<string>() == "web"),
            "Prometheus has the tag-moved alert active",
            seconds: 60,
            intervalMilliseconds: 500);
        alert["state"]!.GetValue<string>().Should().BeOneOf("pending", "firing");
        alert["labels"]!["namespace"]!.GetValue<string>().Should().Be("default");
        alert["annotations"]!["description"]!.GetValue<string>().Should().Contain("registryDigest").And.Contain("default/web");

        // Approving the new digest in the spec moves the lock, the drift goes and the alert with it.
        await policies.PatchAsync("default", "web", new { spec = new { images = new[] { new { repository, tag = "stable", updatePolicy = "Hold", digest = second.ManifestDigest.ToString() } } } });
        await Poll.UntilAsync(
            async () => (await policies.GetAsync("default", "web"))?.Status?.Locks?.SingleOrDefault()?.Digest == second.ManifestDigest.ToString() ? "approved" : null,
            "the approved digest becomes the lock",
            seconds: 60,
            intervalMilliseconds: 200);
        await Poll.UntilAsync(
            async () => (await prometheus.AlertsAsync()).Any(a => Is(a, "LongshoreImagePolicyTagMoved")) ? null : "resolved",
            "the tag-moved alert is no longer active",
            seconds: 60,
            intervalMilliseconds: 500);
        await app.StopAsync();
    }

    private static bool Is(JsonNode alert, string name) => alert["labels"]?["alertname"]?.GetValue<string>() == name;
}
