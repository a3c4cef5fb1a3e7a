using k8s;
using k8s.Models;
using Longshore.TestBed;

namespace Longshore.Node.Tests;

/// <summary>Images whose containers really run (busybox-static), and kubectl helpers for a <see cref="KubeNode"/>.</summary>
internal static class Workloads
{
    /// <summary>An image with busybox and one file of its own, published to the node's registry.</summary>
    public static async Task<(BuiltImage Image, string Reference)> PublishAppAsync(KubeNode node, string repositoryAndTag, string content)
    {
        var image = new TestImageBuilder().WithSharedLayer(node.BusyboxLayer).WithFile("srv/app", content).WithEntrypoint("/bin/busybox", "sleep", "3600").Build();
        await Skopeo.PublishAsync(image, node.Registry, repositoryAndTag);
        return (image, node.Registry.Reference(repositoryAndTag));
    }

    public static async Task ApplyAsync(KubeNode node, string yaml)
    {
        using var scratch = TempDirectory.Create("longshore-node-yaml");
        var path = scratch.Combine("object.yaml");
        await File.WriteAllTextAsync(path, yaml);
        (await node.Api.KubectlAsync(["apply", "-f", path])).EnsureSuccess();
    }

    /// <summary>Creates a namespace and waits for its default service account (Pods are refused until it exists).</summary>
    public static async Task CreateNamespaceAsync(KubeNode node, string name)
    {
        using var admin = node.Api.CreateClient();
        await admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        await Poll.UntilAsync(
            async () => (await admin.CoreV1.ListNamespacedServiceAccountAsync(name)).Items.Any(a => a.Metadata.Name == "default" && a.Secrets?.Count > 0) ? "ready" : null,
            $"the default service account of {name} and its token",
            seconds: 60,
            intervalMilliseconds: 200);
    }

    /// <summary>Waits until <paramref name="count"/> Pods matching the selector run with every container ready.</summary>
    public static async Task<IReadOnlyList<V1Pod>> WaitRunningAsync(KubeNode node, string @namespace, string selector, int count, int seconds = 120)
    {
        using var admin = node.Api.CreateClient();
        try
        {
            return await Poll.UntilAsync(
                async () =>
                {
                    var pods = (await admin.CoreV1.ListNamespacedPodAsync(@namespace, labelSelector: selector)).Items
                        .Where(p => p.Metadata.DeletionTimestamp is null && p.Status?.Phase == "Running" && p.Status.ContainerStatuses?.All(c => c.Ready) == true)
                        .ToList();
                    return pods.Count == count ? pods : null;
                },
                $"{count} running Pods '{selector}' in {@namespace}",
                seconds,
                intervalMilliseconds: 250);
        }
        catch (TimeoutException e)
        {
            var describe = await node.Api.KubectlAsync(["describe", "pods", "-n", @namespace, "-l", selector]);
            throw new TimeoutException($"{e.Message}\n{describe.StandardOutput}\n{describe.StandardError}", e);
        }
    }

    public static string Deployment(string name, string @namespace, string image, int replicas, string pullPolicy = "IfNotPresent") => $$"""
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: {{name}}, namespace: {{@namespace}}}
        spec:
          replicas: {{replicas}}
          selector:
            matchLabels:
              app: {{name}}
          template:
            metadata:
              labels:
                app: {{name}}
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - name: main
                image: {{image}}
                imagePullPolicy: {{pullPolicy}}
                command: ["/bin/busybox", "sh", "-c", "echo started $(/bin/busybox cat /srv/app); exec /bin/busybox sleep 3600"]
        """;

    public static string DaemonSet(string name, string @namespace, string image) => $$"""
        apiVersion: apps/v1
        kind: DaemonSet
        metadata: {name: {{name}}, namespace: {{@namespace}}}
        spec:
          selector:
            matchLabels:
              app: {{name}}
          template:
            metadata:
              labels:
                app: {{name}}
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - name: main
                image: {{image}}
                command: ["/bin/busybox", "sh", "-c", "echo daemon on $NODE; exec /bin/busybox sleep 3600"]
                env:
                - name: NODE
                  valueFrom:
                    fieldRef:
                      fieldPath: spec.nodeName
        """;
}
