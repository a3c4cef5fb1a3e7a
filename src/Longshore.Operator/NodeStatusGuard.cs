using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;

namespace Longshore.Operator;

/// <summary>
/// RBAC cannot say "only your own node", so the webhook does: a NodeImage status write by the agents' service account
/// must come from a token bound to an agent pod scheduled on that very node (bound tokens carry the pod's name).
/// </summary>
public sealed class NodeStatusGuard(IKubernetes client, OperatorOptions options)
{
    private const string PodNameExtra = "authentication.kubernetes.io/pod-name";

    /// <summary>Null to allow, else why the write is refused.</summary>
    public async Task<string?> CheckAsync(JsonNode request, CancellationToken cancellationToken)
    {
        if (request["kind"]?["kind"]?.GetValue<string>() != Api.V1Alpha1NodeImage.KindName || request["subResource"]?.GetValue<string>() != "status")
        {
            return null;
        }

        var user = request["userInfo"]?["username"]?.GetValue<string>();
        if (user != $"system:serviceaccount:{options.Namespace}:{options.AgentServiceAccount}")
        {
            return null;
        }

        var node = request["name"]?.GetValue<string>();
        var pod = request["userInfo"]?["extra"]?[PodNameExtra]?.AsArray().FirstOrDefault()?.GetValue<string>();
        if (pod is null)
        {
            return "status: the agent's token is not bound to a pod, so its node cannot be checked; mount a projected service account token";
        }

        try
        {
            var running = await client.CoreV1.ReadNamespacedPodAsync(pod, options.Namespace, cancellationToken: cancellationToken);
            return running.Spec?.NodeName == node
                ? null
                : $"status: agent pod {pod} runs on node '{running.Spec?.NodeName}', not '{node}'; an agent writes only its own node's NodeImage status";
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return $"status: agent pod {pod} does not exist";
        }
    }
}
