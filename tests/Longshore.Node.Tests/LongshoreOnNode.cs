using k8s;
using Longshore.Agent;
using Longshore.Operator;
using Longshore.Runtime;
using Longshore.TestBed;
using Longshore.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Longshore.Node.Tests;

/// <summary>
/// The operator and the node's agent, in this process, against a <see cref="KubeNode"/>: each signs in as its own
/// service account (token kubeconfigs), and the agent talks CRI to the node's containerd.
/// </summary>
internal sealed class LongshoreOnNode : IAsyncDisposable
{
    private readonly Kubernetes _operatorClient;
    private readonly Kubernetes _agentClient;
    private readonly WebApplication _operator;
    private readonly WebApplication _agent;
    private KubeNode? _webhooksOn;

    private LongshoreOnNode(Kubernetes operatorClient, Kubernetes agentClient, WebApplication @operator, WebApplication agent, CriImageRuntime runtime, OperatorOptions options)
    {
        Options = options;
        _operatorClient = operatorClient;
        _agentClient = agentClient;
        _operator = @operator;
        _agent = agent;
        Runtime = runtime;
    }

    public CriImageRuntime Runtime { get; }

    /// <summary>How the operator runs: it listens on the host's end of the node's veth, where the node's API server reaches its webhooks.</summary>
    public OperatorOptions Options { get; }

    /// <summary>Registers the shipped webhook configurations with the node's API server, pointed at this operator, until it stops.</summary>
    public async Task RegisterWebhooksAsync(KubeNode node)
    {
        using var admin = node.Api.CreateClient();
        await WebhookRegistration.RegisterAsync(admin, Options.WebhookPort, _operator.Services.GetRequiredService<WebhookCertificate>().CertificatePem, Options.ListenAddress);
        _webhooksOn = node;
    }

    public static async Task<LongshoreOnNode> StartAsync(KubeNode node)
    {
        await OperatorInstall.InstallAsync(node.Api, OperatorInstall.ServiceAccount(OperatorInstall.Namespace, "longshore-operator"), OperatorInstall.ServiceAccount(OperatorInstall.Namespace, "longshore-agent"));
        var operatorClient = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(await node.WriteServiceAccountKubeconfigAsync(OperatorInstall.Namespace, "longshore-operator")));
        var agentClient = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(await node.WriteServiceAccountKubeconfigAsync(OperatorInstall.Namespace, "longshore-agent")));
        var operatorOptions = new OperatorOptions { Namespace = OperatorInstall.Namespace, ListenAddress = node.Namespace.HostAddress, MetricsPort = FreePort.Next(), WebhookPort = FreePort.Next(), LeaderElection = false, ResolveInterval = TimeSpan.FromSeconds(2), PolicyRefreshWindow = TimeSpan.Zero, InsecureRegistries = [node.Registry.Host] };
        var operatorApp = OperatorHost.Build(operatorOptions, operatorClient);
        await operatorApp.StartAsync();
        var runtime = new CriImageRuntime(node.ContainerdSocket);
        var agentApp = AgentHost.Build(
            new AgentOptions { NodeName = node.Name, Namespace = OperatorInstall.Namespace, ListenAddress = "127.0.0.1", MetricsPort = FreePort.Next(), ResyncInterval = TimeSpan.FromMinutes(10), InsecureRegistries = [node.Registry.Host] },
            agentClient,
            runtime);
        await agentApp.StartAsync();
        return new LongshoreOnNode(operatorClient, agentClient, operatorApp, agentApp, runtime, operatorOptions);
    }

    /// <summary>Applies an ImagePrePull for the node (selected by its hostname label) and waits until it is Ready.</summary>
    public static async Task PrePullAsync(KubeNode node, string name, params string[] images)
    {
        await Workloads.ApplyAsync(node, $"apiVersion: longshore.io/v1alpha1\nkind: ImagePrePull\nmetadata: {{name: {name}, namespace: default}}\nspec:\n  images: [{string.Join(", ", images.Select(i => $"\"{i}\""))}]\n  nodeSelector: {{matchLabels: {{kubernetes.io/hostname: {node.Name}}}}}\n");
        var wait = await node.Api.KubectlAsync(["wait", "--for=condition=Ready", $"imageprepull/{name}", "-n", "default", "--timeout=60s"]);
        if (wait.ExitCode != 0)
        {
            var objects = await node.Api.KubectlAsync(["get", "imageprepulls,nodeimages", "-A", "-o", "yaml"]);
            throw new TimeoutException($"imageprepull/{name} did not become Ready: {wait.StandardError}\n{objects.StandardOutput}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_webhooksOn is not null)
        {
            // Webhooks that fail closed must not outlive the operator they call: the next test's objects would be refused.
            using var admin = _webhooksOn.Api.CreateClient();
            await WebhookRegistration.UnregisterAsync(admin);
        }

        await _agent.StopAsync();
        await _operator.StopAsync();
        await _agent.DisposeAsync();
        await _operator.DisposeAsync();
        await Runtime.DisposeAsync();
        _agentClient.Dispose();
        _operatorClient.Dispose();
    }
}
