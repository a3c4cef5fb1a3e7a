using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.Node.Tests;

/// <summary>
/// The shipped install, for real, on a <see cref="KubeNode"/>: the images built from the Dockerfiles pushed to the node's
/// registry, an overlay that changes only what a user of this cluster must (the API server's address for a cluster
/// without kube-proxy), the operator and agent running as Pods, the webhook
/// reached through its Service, and an ImagePrePull pulled by the agent Pod into the node's containerd.
/// </summary>
internal static class LongshoreInstall
{
    private const string Namespace = "longshore-system";

    /// <summary>The built images, pushed to the node's registry as longshore/agent:test and longshore/operator:test.</summary>
    public static async Task<(string Agent, string Operator)> PushImagesAsync(KubeNode node) =>
        (await LongshoreImages.PushAsync(LongshoreImages.Agent, node.Registry, "longshore/agent:test"),
         await LongshoreImages.PushAsync(LongshoreImages.Operator, node.Registry, "longshore/operator:test"));

    /// <summary>Applies the kustomization in <paramref name="overlay"/>, then proves the install works.</summary>
    public static async Task InstallAndProveAsync(KubeNode node, string overlay)
    {
        // kubectl apply -k, with the one change kube-apiserver 1.20 needs (PodDisruptionBudget as policy/v1beta1).
        var built = (await node.Api.KubectlAsync(["kustomize", overlay])).EnsureSuccess().StandardOutput;
        var manifest = Path.Combine(overlay, "install.yaml");
        await File.WriteAllTextAsync(manifest, TestBedManifests.ForApiServer(built));
        var apply = await node.Api.KubectlAsync(["apply", "-f", manifest]);
        apply.ExitCode.Should().Be(0, apply.StandardError);

        await WaitRunningAsync(node, "longshore-operator", count: 2);
        await WaitRunningAsync(node, "longshore-agent", count: 1);

        // The API server reaches the webhook only through its Service: a repeated image is refused with its message.
        var (_, app) = await Workloads.PublishAppAsync(node, "install/app:1", "installed");
        // Until the operator has written its CA into the webhook configuration, the call fails on TLS instead.
        var last = new ProcessResult(0, string.Empty, string.Empty);
        try
        {
            await Poll.UntilAsync(
                async () =>
                {
                    last = await ApplyPrePullAsync(node, "repeated", app, app);
                    return last.ExitCode != 0 && last.StandardError.Contains("denied the request", StringComparison.Ordinal) ? last : null;
                },
                "the webhook answers through its Service",
                seconds: 60,
                intervalMilliseconds: 1000);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}; last apply exited {last.ExitCode}: {last.StandardError}{last.StandardOutput}", e);
        }

        last.StandardError.Should().Contain($"'{app}' repeats spec.images[0]");

        try
        {
            await LongshoreOnNode.PrePullAsync(node, "installed", app);
        }
        catch (TimeoutException e)
        {
            var logs = await node.Api.KubectlAsync(["logs", "-n", Namespace, "-l", "app.kubernetes.io/name in (longshore-agent,longshore-operator)", "--prefix", "--tail=40"]);
            throw new TimeoutException($"{e.Message}\n{logs.StandardOutput}{logs.StandardError}", e);
        }

        var images = (await node.CtrAsync(["images", "ls", "-q"])).EnsureSuccess().StandardOutput;
        images.Should().Contain(app);
    }

    /// <summary>Waits for the Pods of one component; on timeout the message carries what their containers printed.</summary>
    private static async Task WaitRunningAsync(KubeNode node, string name, int count)
    {
        var selector = $"app.kubernetes.io/name={name}";
        try
        {
            await Workloads.WaitRunningAsync(node, Namespace, selector, count, seconds: 180);
        }
        catch (TimeoutException e)
        {
            var logs = await node.Api.KubectlAsync(["logs", "-n", Namespace, "-l", selector, "--prefix", "--tail=30"]);
            throw new TimeoutException($"{e.Message}\n{logs.StandardOutput}{logs.StandardError}", e);
        }
    }

    private static async Task<ProcessResult> ApplyPrePullAsync(KubeNode node, string name, params string[] images)
    {
        using var scratch = TempDirectory.Create("longshore-install-yaml");
        var path = scratch.Combine("prepull.yaml");
        await File.WriteAllTextAsync(path, $"apiVersion: longshore.io/v1alpha1\nkind: ImagePrePull\nmetadata: {{name: {name}, namespace: default}}\nspec:\n  images: [{string.Join(", ", images.Select(i => $"\"{i}\""))}]\n");
        return await node.Api.KubectlAsync(["apply", "-f", path]);
    }

    /// <summary>
    /// Writes a kustomization over <paramref name="baseResource"/> (relative to <paramref name="folder"/>) with what
    /// this cluster needs: the API server's address (no kube-proxy serves the kubernetes Service here); plus
    /// <paramref name="more"/>.
    /// </summary>
    public static async Task WriteOverlayAsync(KubeNode node, string folder, string baseResource, string more = "")
    {
        var apiServer = node.Api.Server;
        var apiHost = $$"""{"name": "KUBERNETES_SERVICE_HOST", "value": "{{apiServer.Host}}"}""";
        var apiPort = $$"""{"name": "KUBERNETES_SERVICE_PORT", "value": "{{apiServer.Port}}"}""";
        await File.WriteAllTextAsync(Path.Combine(folder, "kustomization.yaml"), $$"""
            apiVersion: kustomize.config.k8s.io/v1beta1
            kind: Kustomization
            resources:
            - {{baseResource}}
            patches:
            - target: {kind: Deployment, name: longshore-operator}
              patch: |
                - {op: add, path: /spec/template/spec/containers/0/env/-, value: {{apiHost}}}
                - {op: add, path: /spec/template/spec/containers/0/env/-, value: {{apiPort}}}
            - target: {kind: DaemonSet, name: longshore-agent}
              patch: |
                - {op: add, path: /spec/template/spec/containers/0/env/-, value: {{apiHost}}}
                - {op: add, path: /spec/template/spec/containers/0/env/-, value: {{apiPort}}}
            {{more}}
            """);
    }
}
