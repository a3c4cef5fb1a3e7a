using k8s;
using k8s.Models;
using Longshore.Agent;
using Longshore.Api;
using Longshore.Kube;
using Longshore.Operator;
using Longshore.Runtime;
using Longshore.TestBed;
using Longshore.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Longshore.E2E;

/// <summary>
/// Two teams on one cluster, with the shipped webhooks registered and the administrator's pin limit on: the same
/// image written two ways lands once and both pre-pulls turn Ready; one team's unresolvable image leaves the other's alone.
/// </summary>
public sealed class TwoTenantsTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private const string NodeName = "shared-node";

    [Fact]
    public async Task Same_image_written_differently_serves_both_teams_and_one_teams_broken_image_blocks_nobody_else()
    {
        var api = cluster.Api;
        using var admin = api.CreateClient();
        await admin.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = NodeName, Labels = new Dictionary<string, string> { ["shared"] = "yes" } } });
        foreach (var team in new[] { "team-a", "team-b" })
        {
            await admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = team } });
        }

        var app = new TestImageBuilder().WithFile("srv/shared", "1").Build();
        await Skopeo.PublishAsync(app, cluster.Registry, "shared/app:latest");
        // The same image: a reference without a tag means :latest, as in Docker.
        var implicitLatest = cluster.Registry.Reference("shared/app");
        var explicitLatest = cluster.Registry.Reference("shared/app:latest");
        var missing = cluster.Registry.Reference("shared/missing:1");

        using var operatorClient = api.CreateClient(api.Identities["operator"]);
        using var agentClient = api.CreateClient(api.Identities["agent"]);
        var operatorOptions = new OperatorOptions
        {
            Namespace = OperatorInstall.Namespace,
            ListenAddress = "127.0.0.1",
            MetricsPort = FreePort.Next(),
            WebhookPort = FreePort.Next(),
            LeaderElection = false,
            ResolveInterval = TimeSpan.FromSeconds(2),
            Limits = new TenantLimits(PinNamespaces: ["team-b"]),
        };
        await using var operatorApp = OperatorHost.Build(operatorOptions, operatorClient);
        await operatorApp.StartAsync();
        // The shipped webhooks, but for the status guard: it names an agent by the Pod its token is bound to, and this
        // agent runs in the test process (the install tests on the real node run it as a Pod).
        await WebhookRegistration.RegisterAsync(admin, operatorOptions.WebhookPort, operatorApp.Services.GetRequiredService<WebhookCertificate>().CertificatePem, webhooks: name => name != "status.longshore.io");
        await using var runtime = new CriImageRuntime(cluster.Containerd.SocketPath);
        var agentOptions = new AgentOptions { NodeName = NodeName, Namespace = OperatorInstall.Namespace, ListenAddress = "127.0.0.1", MetricsPort = FreePort.Next(), ResyncInterval = TimeSpan.FromMinutes(10) };
        await using var agentApp = AgentHost.Build(agentOptions, agentClient, runtime);
        await agentApp.StartAsync();

        using var scratch = TempDirectory.Create("longshore-tenants");
        async Task<ProcessResult> Apply(string team, string images, string extra = "")
        {
            var path = scratch.Combine(team + ".yaml");
            await File.WriteAllTextAsync(path, $"apiVersion: longshore.io/v1alpha1\nkind: ImagePrePull\nmetadata: {{name: warm, namespace: {team}}}\nspec:\n  images: [{images}]\n  nodeSelector: {{matchLabels: {{shared: 'yes'}}}}\n{extra}");
            return await api.KubectlAsync(["apply", "-f", path]);
        }

        async Task WaitReady(string team)
        {
            var wait = await api.KubectlAsync(["wait", "--for=condition=Ready", "imageprepull/warm", "-n", team, "--timeout=100s"]);
            if (wait.ExitCode != 0)
            {
                var objects = await api.KubectlAsync(["get", "imageprepulls,nodeimages", "-A", "-o", "yaml"]);
                throw new TimeoutException($"{team}'s ImagePrePull did not become Ready: {wait.StandardError}\n{objects.StandardOutput}");
            }
        }

        // The administrator lets only team-b pin: team-a's default pin is refused at admission, naming the way out.
        // The webhook may need a moment before the API server reaches it; the refusal is what it says once it does.
        var refused = await Poll.UntilAsync(
            async () => await Apply("team-a", $"\"{implicitLatest}\", \"{missing}\"") is { ExitCode: not 0 } r && r.StandardError.Contains("denied the request", StringComparison.Ordinal) ? r : null,
            "team-a's pinning pre-pull is refused by the webhook",
            30,
            200);
        refused.StandardError.Should().Contain("spec.pin: namespace team-a may not pin images (--pin-namespace allows team-b); set pin: false");

        // Team A, unpinned, asks for the image and one that does not exist; team B for the same image written in full.
        (await Apply("team-a", $"\"{implicitLatest}\", \"{missing}\"", "  pin: false\n")).EnsureSuccess();
        (await Apply("team-b", $"\"{explicitLatest}\"")).EnsureSuccess();
        await WaitReady("team-b");
        var prePulls = new CustomResourceClient<V1Alpha1ImagePrePull>(admin);
        var teamA = await Poll.UntilAsync(
            async () => (await prePulls.GetAsync("team-a", "warm")) is { } p && Conditions.IsTrue(p.Status?.Conditions, "Degraded") ? p : null,
            "team-a reports its unresolvable image",
            60,
            200);
        teamA.Status!.Conditions!.Single(c => c.Type == "Degraded").Message.Should().Contain(missing);
        (await runtime.ImageStatusAsync(explicitLatest))!.Id.Should().Be(app.ConfigDigest.ToString());
        (await runtime.ImageStatusAsync(explicitLatest))!.Pinned.Should().BeTrue("team-b may pin, and its entry pins the image for both");

        // Team A fixes its list: both teams are Ready on the one image.
        (await Apply("team-a", $"\"{implicitLatest}\"", "  pin: false\n")).EnsureSuccess();
        await WaitReady("team-a");
        await WaitReady("team-b");
        var nodeImage = (await new CustomResourceClient<V1Alpha1NodeImage>(admin).GetAsync(null, NodeName))!;
        nodeImage.Status!.Images!.Should().OnlyContain(i => i.Phase == ImagePhase.Present);

        await WebhookRegistration.UnregisterAsync(admin);
        await agentApp.StopAsync();
        await operatorApp.StopAsync();
    }
}
