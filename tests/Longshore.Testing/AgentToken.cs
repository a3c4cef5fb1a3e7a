using k8s;
using k8s.Models;
using Longshore.TestBed;

namespace Longshore.Testing;

/// <summary>
/// An agent's identity as the kubelet gives it: an agent pod scheduled on a node, and a service-account token bound to
/// that pod (the API server then names the pod in the token's user info, which the NodeImage status guard checks).
/// </summary>
public static class AgentToken
{
    /// <summary>A client that writes as the agent pod on <paramref name="node"/>.</summary>
    public static async Task<Kubernetes> ClientOnNodeAsync(KubeApiServer api, IKubernetes admin, string node, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(admin);
        var pod = await admin.CoreV1.CreateNamespacedPodAsync(
            new V1Pod
            {
                Metadata = new V1ObjectMeta { Name = $"longshore-agent-{node}" },
                Spec = new V1PodSpec { NodeName = node, ServiceAccountName = "longshore-agent", AutomountServiceAccountToken = false, Containers = [new V1Container { Name = "agent", Image = "longshore/agent" }] },
            },
            OperatorInstall.Namespace,
            cancellationToken: cancellationToken);
        var token = await admin.CoreV1.CreateNamespacedServiceAccountTokenAsync(
            new Authenticationv1TokenRequest { Spec = new V1TokenRequestSpec { Audiences = ["https://kubernetes.default.svc"], ExpirationSeconds = 3600, BoundObjectRef = new V1BoundObjectReference { Kind = "Pod", ApiVersion = "v1", Name = pod.Metadata.Name, Uid = pod.Metadata.Uid } } },
            "longshore-agent",
            OperatorInstall.Namespace,
            cancellationToken: cancellationToken);
        return new Kubernetes(new KubernetesClientConfiguration { Host = api.Server.ToString(), AccessToken = token.Status.Token, SkipTlsVerify = true });
    }
}
