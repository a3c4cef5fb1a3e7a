using k8s;

namespace Longshore.Kube;

/// <summary>Where a host finds its cluster: an explicit kubeconfig, else in-cluster (service account), else $KUBECONFIG or ~/.kube/config.</summary>
public static class KubeConfiguration
{
    public static KubernetesClientConfiguration Load(string? kubeconfig) =>
        kubeconfig is { } path ? KubernetesClientConfiguration.BuildConfigFromConfigFile(path)
        : KubernetesClientConfiguration.IsInCluster() ? KubernetesClientConfiguration.InClusterConfig()
        : KubernetesClientConfiguration.BuildConfigFromConfigFile(Environment.GetEnvironmentVariable("KUBECONFIG"));
}
