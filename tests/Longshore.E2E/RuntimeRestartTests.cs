using System.Net;
using k8s;
using k8s.Models;
using Longshore.Agent;
using Longshore.Operator;
using Longshore.Runtime;
using Longshore.TestBed;

namespace Longshore.E2E;

/// <summary>
/// containerd restarted and then lost under a running agent, on real parts: the agent dials the socket path afresh, so it
/// pulls, pins and follows removals again once containerd is back, and its liveness fails only when containerd stays away.
/// </summary>
public sealed class RuntimeRestartTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private const string NodeName = "restart-node";

    [Fact]
    public async Task The_agent_rides_out_a_containerd_restart_and_fails_liveness_only_when_containerd_stays_away()
    {
        var api = cluster.Api;
        using var admin = api.CreateClient();
        await admin.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = NodeName, Labels = new Dictionary<string, string> { ["restart"] = "yes" } } });
        var before = new TestImageBuilder().WithRandomLayer(200_000, 71).WithFile("srv/before", "1").Build();
        var after = new TestImageBuilder().WithRandomLayer(200_000, 72).WithFile("srv/after", "1").Build();
        await Skopeo.PublishAsync(before, cluster.Registry, "restart/before:1");
        await Skopeo.PublishAsync(after, cluster.Registry, "restart/after:1");
        var beforeRef = cluster.Registry.Reference("restart/before:1");
        var afterRef = cluster.Registry.Reference("restart/after:1");

        using var operatorClient = api.CreateClient(api.Identities["operator"]);
        using var agentClient = api.CreateClient(api.Identities["agent"]);
        await using var operatorApp = OperatorHost.Build(new OperatorOptions { Namespace = "longshore-system", ListenAddress = "127.0.0.1", MetricsPort = FreePort.Next(), WebhookPort = FreePort.Next(), LeaderElection = false, ResolveInterval = TimeSpan.FromSeconds(2) }, operatorClient);
        await operatorApp.StartAsync();
        // The agent has its own connection; the test checks containerd through another, so it never mends the agent's.
        await using var agentRuntime = new CriImageRuntime(cluster.Containerd.SocketPath);
        await using var runtime = new CriImageRuntime(cluster.Containerd.SocketPath);
        var agentOptions = new AgentOptions
        {
            NodeName = NodeName,
            Namespace = "longshore-system",
            ListenAddress = "127.0.0.1",
            MetricsPort = FreePort.Next(),
            ResyncInterval = TimeSpan.FromMinutes(10),
            RuntimeProbeInterval = TimeSpan.FromMilliseconds(500),
            RuntimeFailureThreshold = 4,
        };
        await using var agentApp = AgentHost.Build(agentOptions, agentClient, agentRuntime);
        await agentApp.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{agentOptions.MetricsPort}") };
        using var scratch = TempDirectory.Create("longshore-restart");

        async Task PrePull(string name, string reference)
        {
            var path = scratch.Combine(name + ".yaml");
            await File.WriteAllTextAsync(path, $"apiVersion: longshore.io/v1alpha1\nkind: ImagePrePull\nmetadata: {{name: {name}, namespace: default}}\nspec:\n  images: [\"{reference}\"]\n  nodeSelector: {{matchLabels: {{restart: 'yes'}}}}\n");
            (await api.KubectlAsync(["apply", "-f", path])).EnsureSuccess();
            var wait = await api.KubectlAsync(["wait", "--for=condition=Ready", $"imageprepull/{name}", "-n", "default", "--timeout=90s"]);
            wait.ExitCode.Should().Be(0, $"imageprepull/{name} becomes Ready: {wait.StandardError}\n{(await api.KubectlAsync(["get", "imageprepulls,nodeimages", "-A", "-o", "yaml"])).StandardOutput}");
        }

        async Task<HttpStatusCode> Liveness() => (await http.GetAsync(new Uri("/healthz", UriKind.Relative))).StatusCode;

        await PrePull("before", beforeRef);
        (await runtime.ImageStatusAsync(beforeRef)).Should().Match<RuntimeImage?>(i => i != null && i.Pinned);
        (await Liveness()).Should().Be(HttpStatusCode.OK);

        // 1. A restart, as `systemctl restart containerd` does it: the socket file is removed and made anew.
        await cluster.Containerd.StopAsync();
        File.Exists(cluster.Containerd.SocketPath).Should().BeFalse("containerd removes its socket when it stops, so a mount of the socket file would now point at nothing");
        await cluster.Containerd.StartAgainAsync();

        // The agent pulls and pins through the new socket, and its liveness never failed for a restart of seconds.
        await PrePull("after", afterRef);
        (await runtime.ImageStatusAsync(afterRef)).Should().Match<RuntimeImage?>(i => i != null && i.Pinned);
        (await Liveness()).Should().Be(HttpStatusCode.OK);

        // Its feed of removals is followed again too: an image removed behind its back comes back.
        (await cluster.Containerd.CtrAsync(["images", "rm", beforeRef])).EnsureSuccess();
        await Poll.UntilAsync(async () => await runtime.ImageStatusAsync(beforeRef) is { Pinned: true } ? "back" : null, "the agent pulls the removed image again after the restart", seconds: 30);

        // 2. containerd stays away: after the threshold of failed checks, liveness fails with the reason and the metric says so.
        await cluster.Containerd.StopAsync();
        await Poll.UntilAsync(async () => await Liveness() == HttpStatusCode.ServiceUnavailable ? "failing" : null, "liveness fails once containerd stays unreachable", seconds: 30);
        using var failing = await http.GetAsync(new Uri("/healthz", UriKind.Relative));
        var reason = await failing.Content.ReadAsStringAsync();
        reason.Should().Contain("failed").And.Contain("checks in a row");
        var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        metrics.Should().MatchRegex(@"longshore_agent_runtime_up\{[^}]*\} 0\n");

        // 3. Back again: liveness recovers by itself (kubelet may already have restarted the container; either way is fine).
        await cluster.Containerd.StartAgainAsync();
        await Poll.UntilAsync(async () => await Liveness() == HttpStatusCode.OK ? "live" : null, "liveness recovers when containerd is back", seconds: 30);
        (await http.GetStringAsync(new Uri("/metrics", UriKind.Relative))).Should().MatchRegex(@"longshore_agent_runtime_up\{[^}]*\} 1\n");
    }
}
