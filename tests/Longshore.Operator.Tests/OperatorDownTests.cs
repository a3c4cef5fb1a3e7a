using System.Globalization;
using System.Text.RegularExpressions;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Longshore.Api;
using Longshore.Kube;
using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.Operator.Tests;

/// <summary>
/// What each webhook does while the operator is down, against a real kube-apiserver with the shipped webhook
/// configurations registered and the operator's port closed: agents still write NodeImage status, an ImagePrePull with
/// finalizers can still be deleted and released, creating one waits for the operator, and the operator that comes back
/// sees the status written meanwhile.
/// </summary>
public sealed class OperatorDownTests(KubeApiServerFixture fixture) : IClassFixture<KubeApiServerFixture>
{
    private const string Node = "down-a";

    private static Task<T> Eventually<T>(Func<Task<T?>> probe, string what, int seconds = 60) => Poll.UntilAsync(probe, what, seconds, 200);

    [Fact]
    public async Task Agents_report_and_cleanup_goes_through_while_the_operator_is_down_and_nothing_is_lost()
    {
        var api = fixture.Server;
        await OperatorInstall.InstallAsync(api, OperatorInstall.User("operator"), OperatorInstall.User("agent"));
        using var admin = api.CreateClient();
        var prePulls = new CustomResourceClient<V1Alpha1ImagePrePull>(admin);
        var nodeImages = new CustomResourceClient<V1Alpha1NodeImage>(admin);

        // Stored before any webhook was registered: an object the validator would refuse (an upper-case repository).
        await prePulls.CreateAsync(new V1Alpha1ImagePrePull { Metadata = new V1ObjectMeta { Name = "legacy", NamespaceProperty = "default" }, Spec = new ImagePrePullSpec { Images = ["Shop/Web:1"], NodeNames = [Node] } });
        await nodeImages.CreateAsync(new V1Alpha1NodeImage { Metadata = new V1ObjectMeta { Name = Node } });
        using var agent = await AgentToken.ClientOnNodeAsync(api, admin, Node);
        var agentNodeImages = new CustomResourceClient<V1Alpha1NodeImage>(agent);

        var options = SelfManagedWebhook.Options();
        await WebhookRegistration.RegisterAsync(admin, options.WebhookPort, caPem: null);
        try
        {
            var first = OperatorHost.Build(options, api.CreateClient(api.Identities["operator"]));
            await first.StartAsync();
            await SelfManagedWebhook.RefusesInvalidAsync(prePulls);

            // Up: a change of metadata only passes even though the object is invalid; a spec change is checked.
            await prePulls.PatchAsync("default", "legacy", new { metadata = new { finalizers = new[] { "example.com/hold" } } });
            var edit = () => prePulls.PatchAsync("default", "legacy", new { spec = new { parallelism = 2 } });
            (await edit.Should().ThrowAsync<HttpOperationException>()).Which.Response.Content.Should().Contain("validate-update.longshore.io").And.Contain("ImagePrePull is invalid");

            await first.StopAsync();
            await first.DisposeAsync();

            // Down. Agents report (status.longshore.io fails open).
            var heartbeat = new DateTime(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc);
            await agentNodeImages.PatchStatusAsync(null, Node, new { status = new NodeImageStatus { HeartbeatTime = heartbeat } });
            (await nodeImages.GetAsync(null, Node))!.Status!.HeartbeatTime.Should().Be(heartbeat);

            // Cleanup goes through: delete (never sent to a webhook), then release the finalizers (validate-update fails open).
            await prePulls.DeleteAsync("default", "legacy");
            (await prePulls.GetAsync("default", "legacy"))!.Metadata.DeletionTimestamp.Should().NotBeNull();
            await prePulls.PatchAsync("default", "legacy", new V1Patch("[{\"op\":\"remove\",\"path\":\"/metadata/finalizers\"}]", V1Patch.PatchType.JsonPatch));
            await Eventually(async () => await prePulls.GetAsync("default", "legacy") is null ? "gone" : null, "the released ImagePrePull is gone");

            // Creating waits for the operator (validate.longshore.io fails closed).
            (await SelfManagedWebhook.TryCreateInvalidAsync(prePulls)).Should().Contain("validate.longshore.io").And.NotContain("ImagePrePull is invalid");

            // Back: the operator sees the status the agent wrote while it was away.
            await using var second = OperatorHost.Build(options, api.CreateClient(api.Identities["operator"]));
            await second.StartAsync();
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{options.MetricsPort}") };
            var seconds = new DateTimeOffset(heartbeat).ToUnixTimeSeconds();
            await Eventually(
                async () => Heartbeat(await http.GetStringAsync(new Uri("/metrics", UriKind.Relative))) == seconds ? "seen" : null,
                "the returning operator reports the heartbeat written while it was down");
            await SelfManagedWebhook.RefusesInvalidAsync(prePulls);
            await second.StopAsync();
        }
        finally
        {
            await WebhookRegistration.UnregisterAsync(admin);
        }
    }

    /// <summary>The value of the heartbeat gauge for the test's node in a Prometheus exposition, if there is one.</summary>
    private static double? Heartbeat(string exposition) =>
        Regex.Match(exposition, $@"^longshore_nodeimage_heartbeat_timestamp_seconds\{{[^}}]*node=""{Node}""[^}}]*\}} (\S+)", RegexOptions.Multiline) is { Success: true } match
            ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)
            : null;
}
