using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.Chart.Tests;

/// <summary>
/// The rendered chart passes the real kube-apiserver's validation (<c>kubectl apply --dry-run=server</c>), with
/// default values and with every optional object on. The Prometheus Operator and cert-manager kinds are checked
/// against stand-in CRDs that declare the kinds but not their schemas: the server checks their metadata only.
/// </summary>
public sealed class ChartDryRunTests(KubeApiServerFixture api) : IClassFixture<KubeApiServerFixture>
{
    [Fact]
    public async Task Default_values_pass_a_server_side_dry_run()
    {
        var applied = await DryRunAsync("longshore-system", []);

        applied.Should().Contain("daemonset.apps/longshore-agent").And.Contain("deployment.apps/longshore-operator")
            .And.Contain("validatingwebhookconfiguration.admissionregistration.k8s.io/longshore-validating-webhook")
            .And.Contain("customresourcedefinition.apiextensions.k8s.io/imageprepulls.longshore.io");
    }

    [Fact]
    public async Task Every_optional_object_passes_a_server_side_dry_run()
    {
        await InstallStandInCrdsAsync();
        var applied = await DryRunAsync("team-monitored", [
            "metrics.serviceMonitor.enabled=true", "metrics.prometheusRule.enabled=true", "metrics.grafanaDashboard.enabled=true",
            "certManager.enabled=true", $"operator.image.digest=sha256:{new string('a', 64)}", "agent.runtimeSocketDir=/run/k3s/containerd",
        ]);

        applied.Should().Contain("servicemonitor.monitoring.coreos.com/longshore-operator").And.Contain("podmonitor.monitoring.coreos.com/longshore-agent")
            .And.Contain("prometheusrule.monitoring.coreos.com/longshore-alerts").And.Contain("configmap/longshore-dashboard")
            .And.Contain("certificate.cert-manager.io/longshore-webhook").And.Contain("issuer.cert-manager.io/longshore-selfsigned");
    }

    private async Task<string> DryRunAsync(string @namespace, IEnumerable<string> sets)
    {
        using var renderer = await ChartRenderer.BuildAsync();
        var manifests = await renderer.RenderAsync(@namespace, sets: sets);
        var server = api.Server;
        // Helm's --create-namespace: the namespace exists before the release's objects.
        var created = await server.KubectlAsync(["create", "namespace", @namespace]);
        created.ExitCode.Should().Be(0, created.StandardError);
        // Helm installs the chart's own Namespace (the pull-secret copies') first, for real; a dry run would not keep it.
        var copies = await server.KubectlAsync(["create", "namespace", "longshore-pull-secrets"]);
        (copies.ExitCode == 0 || copies.StandardError.Contains("AlreadyExists", StringComparison.Ordinal)).Should().BeTrue(copies.StandardError);
        var file = Path.Combine(server.DirectoryPath, $"chart-{@namespace}.yaml");
        // The test bed's kube-apiserver is 1.20: the PodDisruptionBudget goes in as policy/v1beta1 there.
        await File.WriteAllTextAsync(file, TestBedManifests.ForApiServer(manifests));
        return (await server.KubectlAsync(["apply", "--dry-run=server", "-f", file])).EnsureSuccess().StandardOutput;
    }

    private async Task InstallStandInCrdsAsync()
    {
        var crds = string.Join("---\n", new[]
        {
            ("monitoring.coreos.com", "ServiceMonitor", "servicemonitors"),
            ("monitoring.coreos.com", "PodMonitor", "podmonitors"),
            ("monitoring.coreos.com", "PrometheusRule", "prometheusrules"),
            ("cert-manager.io", "Issuer", "issuers"),
            ("cert-manager.io", "Certificate", "certificates"),
        }.Select(c => $"""
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata:
              name: {c.Item3}.{c.Item1}
            spec:
              group: {c.Item1}
              names:
                kind: {c.Item2}
                plural: {c.Item3}
              scope: Namespaced
              versions:
              - name: v1
                served: true
                storage: true
                schema:
                  openAPIV3Schema:
                    type: object
                    x-kubernetes-preserve-unknown-fields: true

            """));
        var file = Path.Combine(api.Server.DirectoryPath, "stand-in-crds.yaml");
        await File.WriteAllTextAsync(file, crds);
        await api.Server.InstallCrdsAsync(file);
    }
}
