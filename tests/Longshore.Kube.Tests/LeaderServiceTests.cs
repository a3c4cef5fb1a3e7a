using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using k8s;
using k8s.Models;
using Longshore.Api;
using Longshore.TestBed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Longshore.Kube.Tests;

/// <summary>Leader services and controller queues under real leader election: two runtimes, one Lease.</summary>
[Collection(KubeCollection.Name)]
public sealed class LeaderServiceTests(CrdApiServerFixture fixture)
{
    private const string Lease = "leader-service-test";

    [Fact]
    public async Task A_leader_service_runs_only_while_its_replica_leads_and_a_queued_key_reaches_the_controller()
    {
        var terms = new Terms();
        var prunes = new CustomResourceClient<V1Alpha1ImagePrune>(fixture.Server.CreateClient());
        await prunes.CreateAsync(new V1Alpha1ImagePrune { Metadata = new V1ObjectMeta { Name = "leader-service" }, Spec = new ImagePruneSpec { Schedule = "@daily" } });
        await using var a = Replica("replica-a", terms);
        await using var b = Replica("replica-b", terms);
        var runtimeA = a.GetRequiredService<ControllerRuntime>();
        var runtimeB = b.GetRequiredService<ControllerRuntime>();
        await runtimeA.StartAsync(CancellationToken.None);
        await Poll.UntilAsync(() => terms.Running("replica-a"), "a leads and its leader service runs", 30);
        await runtimeB.StartAsync(CancellationToken.None);
        await Poll.UntilAsync(() => runtimeB.Ready, "b's caches sync");
        await Task.Delay(TimeSpan.FromSeconds(3));
        (runtimeB.Leading, terms.Started("replica-b")).Should().Be((false, 0), "a replica that does not lead runs no leader service");

        // A key queued from outside the informers is reconciled by the leader's controller; a kind without one says so.
        var queuesA = a.GetRequiredService<ControllerQueues>();
        var reconciled = a.GetRequiredService<Reconciled>();
        await Poll.UntilAsync(() => reconciled.Count > 0, "the leader reconciles everything once on taking over");
        var before = reconciled.Count;
        queuesA.Add<V1Alpha1ImagePrune>(new ResourceKey(string.Empty, "leader-service")).Should().BeTrue();
        await Poll.UntilAsync(() => reconciled.Count > before, "the queued key is reconciled");
        queuesA.Add<V1Alpha1NodeImage>(new ResourceKey(string.Empty, "n")).Should().BeFalse("no controller reconciles NodeImages here");

        // a stops: its term ends before it lets the lease go; b's begins.
        await runtimeA.StopAsync(CancellationToken.None);
        terms.Running("replica-a").Should().BeFalse();
        terms.Started("replica-a").Should().Be(1);
        await Poll.UntilAsync(() => terms.Running("replica-b"), "b takes over and its leader service runs", 30);
        await runtimeB.StopAsync(CancellationToken.None);
        terms.Running("replica-b").Should().BeFalse();
        terms.MostAtOnce.Should().Be(1, "two replicas never run their leader services at once");
        await prunes.DeleteAsync(null, "leader-service");
    }

    private ServiceProvider Replica(string identity, Terms terms)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IKubernetes>(fixture.Server.CreateClient());
        services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddSingleton<IMeterFactory, TestMeterFactory>();
        services.AddSingleton(new ControllerRuntimeOptions { Namespace = "default", LeaseName = Lease, LeaseDuration = TimeSpan.FromSeconds(3), Identity = identity });
        services.AddSingleton(terms);
        services.AddSingleton<Reconciled>();
        services.AddSingleton(sp => new TermRecorder(identity, sp.GetRequiredService<Terms>()));
        services.AddLeaderService<TermRecorder>();
        services.AddController<V1Alpha1ImagePrune, PruneRecorder>();
        return services.BuildServiceProvider();
    }

    private sealed class Terms
    {
        private readonly ConcurrentDictionary<string, int> _started = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, bool> _running = new(StringComparer.Ordinal);
        private readonly Lock _gate = new();
        private int _atOnce;

        public int MostAtOnce { get; private set; }

        public int Started(string identity) => _started.GetValueOrDefault(identity);

        public bool Running(string identity) => _running.GetValueOrDefault(identity);

        public void Begin(string identity)
        {
            _started.AddOrUpdate(identity, 1, (_, n) => n + 1);
            _running[identity] = true;
            lock (_gate)
            {
                MostAtOnce = Math.Max(MostAtOnce, ++_atOnce);
            }
        }

        public void End(string identity)
        {
            _running[identity] = false;
            lock (_gate)
            {
                _atOnce--;
            }
        }
    }

    private sealed class TermRecorder(string identity, Terms terms) : ILeaderService
    {
        public async Task LeadAsync(CancellationToken leading)
        {
            terms.Begin(identity);
            try
            {
                await Task.Delay(Timeout.Infinite, leading);
            }
            finally
            {
                terms.End(identity);
            }
        }
    }

    private sealed class Reconciled
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public void Add() => Interlocked.Increment(ref _count);
    }

    private sealed class PruneRecorder(Reconciled reconciled) : IReconciler<V1Alpha1ImagePrune>
    {
        public Task<ReconcileResult> ReconcileAsync(V1Alpha1ImagePrune entity, CancellationToken cancellationToken)
        {
            if (entity.Metadata.Name == "leader-service")
            {
                reconciled.Add();
            }

            return Task.FromResult(ReconcileResult.Done);
        }
    }
}
