using System.Text;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Longshore.Api;
using Longshore.Kube;
using Longshore.Operator;
using Longshore.TestBed;
using Longshore.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Longshore.E2E;

/// <summary>An agent's service-account token, bound to its pod, may write the NodeImage status of that pod's node only.</summary>
public sealed class NodeStatusGuardTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task Agent_token_writes_only_its_own_nodes_status()
    {
        var api = cluster.Api;
        using var admin = api.CreateClient();
        using var operatorClient = api.CreateClient(api.Identities["operator"]);
        var options = new OperatorOptions { Namespace = "longshore-system", ListenAddress = "127.0.0.1", MetricsPort = FreePort.Next(), WebhookPort = FreePort.Next(), LeaderElection = false };
        await using var app = OperatorHost.Build(options, operatorClient);
        await app.StartAsync();
        var certificate = app.Services.GetRequiredService<WebhookCertificate>();
        await admin.AdmissionregistrationV1.CreateValidatingWebhookConfigurationAsync(new V1ValidatingWebhookConfiguration
        {
            Metadata = new V1ObjectMeta { Name = "longshore-status-guard" },
            Webhooks =
            [
                new V1ValidatingWebhook
                {
                    Name = "validate.longshore.io",
                    AdmissionReviewVersions = ["v1"],
                    SideEffects = "None",
                    FailurePolicy = "Fail",
                    ClientConfig = new Admissionregistrationv1WebhookClientConfig { Url = $"https://127.0.0.1:{options.WebhookPort}/validate", CaBundle = Encoding.UTF8.GetBytes(certificate.CertificatePem) },
                    Rules = [new V1RuleWithOperations { ApiGroups = ["longshore.io"], ApiVersions = ["v1alpha1"], Operations = ["UPDATE"], Resources = ["nodeimages/status"] }],
                },
            ],
        });

        var nodeImages = new CustomResourceClient<V1Alpha1NodeImage>(admin);
        foreach (var node in new[] { "guard-a", "guard-b" })
        {
            await nodeImages.CreateAsync(new V1Alpha1NodeImage { Metadata = new V1ObjectMeta { Name = node } });
        }

        // The agent pod on guard-a and a token bound to it, as the kubelet would mount it.
        using var agent = await AgentToken.ClientOnNodeAsync(api, admin, "guard-a");
        var agentNodeImages = new CustomResourceClient<V1Alpha1NodeImage>(agent);
        var status = new { status = new NodeImageStatus { HeartbeatTime = DateTime.UtcNow } };

        // The webhook may take a moment to be reachable from the API server.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                await agentNodeImages.PatchStatusAsync(null, "guard-a", status);
                break;
            }
            catch (HttpOperationException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }

        var other = () => agentNodeImages.PatchStatusAsync(null, "guard-b", status);
        var refused = (await other.Should().ThrowAsync<HttpOperationException>()).Which;
        refused.Response.Content.Should().Contain("runs on node 'guard-a', not 'guard-b'");
        (await nodeImages.GetAsync(null, "guard-b"))!.Status.Should().BeNull();
        await app.StopAsync();
    }
}
