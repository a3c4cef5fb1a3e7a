using System.Diagnostics;
using k8s;
using k8s.Models;
using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.Operator.Tests;

/// <summary>Two operator processes: one leads; killing it hands the lease to the other within the lease duration.</summary>
public sealed class LeaderFailoverTests(KubeApiServerFixture fixture) : IClassFixture<KubeApiServerFixture>
{
    [Fact]
    public async Task Killing_the_leader_process_hands_over_within_the_lease_duration()
    {
        var api = fixture.Server;
        await api.InstallCrdsAsync(KubeApiServer.RepositoryFile("config/crd/bases"));
        using var admin = api.CreateClient();
        await admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "longshore-system" } });
        var binary = Path.Combine(AppContext.BaseDirectory, "longshore-operator.dll");
        File.Exists(binary).Should().BeTrue();
        const int leaseSeconds = 4;

        Process Start(string identity)
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[]
            {
                binary, "--kubeconfig", api.KubeconfigPath, "--namespace", "longshore-system", "--listen-address", "127.0.0.1",
                "--metrics-port", FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--webhook-port", FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--lease-duration", leaseSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), "--identity", identity,
            })
            {
                start.ArgumentList.Add(argument);
            }

            var process = Process.Start(start)!;
            _ = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            return process;
        }

        async Task<string?> Holder()
        {
            try
            {
                return (await admin.CoordinationV1.ReadNamespacedLeaseAsync("longshore-operator", "longshore-system")).Spec.HolderIdentity;
            }
            catch (k8s.Autorest.HttpOperationException)
            {
                return null;
            }
        }

        using var first = Start("operator-a");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await Holder() != "operator-a" && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        (await Holder()).Should().Be("operator-a");
        using var second = Start("operator-b");
        await Task.Delay(TimeSpan.FromSeconds(leaseSeconds + 2));
        (await Holder()).Should().Be("operator-a", "a healthy leader keeps its lease");

        first.Kill(entireProcessTree: true);
        var killed = Stopwatch.StartNew();
        while (await Holder() != "operator-b" && killed.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(100);
        }

        var takeover = killed.Elapsed;
        second.Kill(entireProcessTree: true);
        (await Holder()).Should().Be("operator-b");
        // The lease expires leaseSeconds after the last renewal; the candidate retries every leaseSeconds/5.
        takeover.Should().BeLessThan(TimeSpan.FromSeconds(leaseSeconds * 2));
    }
}
