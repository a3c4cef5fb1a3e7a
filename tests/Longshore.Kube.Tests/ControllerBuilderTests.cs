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

/// <summary>Controllers registered with AddController, run by the runtime against a real API server.</summary>
[Collection(KubeCollection.Name)]
public sealed class ControllerBuilderTests(CrdApiServerFixture fixture)
{
    private const string Finalizer = "longshore.io/controller-test";

    private static Task Eventually(Func<bool> condition, string what) => Poll.UntilAsync(condition, what, 30);

    [Fact]
    public async Task Two_controllers_share_one_informer_ignore_status_writes_and_finalize_on_delete()
    {
        using var client = fixture.Server.CreateClient();
        var services = new ServiceCollection();
        services.AddSingleton<IKubernetes>(client);
        services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddSingleton<IMeterFactory, TestMeterFactory>();
        services.AddSingleton(new ControllerRuntimeOptions { LeaderElection = false, Workers = 2 });
        services.AddSingleton<Journal>();
        services.AddController<V1Alpha1NodeImage, NodeImageRecorder>().WithFinalizer(Finalizer);
        services.AddController<V1Alpha1ImagePrePull, PrePullRecorder>()
            .Owns<V1Alpha1NodeImage>(n => (n.Spec.Images ?? []).SelectMany(i => i.Owners).Where(o => o.Kind == "ImagePrePull").Select(o => new ResourceKey(o.Namespace, o.Name)));
        await using var provider = services.BuildServiceProvider();
        var journal = provider.GetRequiredService<Journal>();
        var runtime = provider.GetRequiredService<ControllerRuntime>();
        var nodeImages = new CustomResourceClient<V1Alpha1NodeImage>(client);
        var prePulls = new CustomResourceClient<V1Alpha1ImagePrePull>(client);
        await runtime.StartAsync(CancellationToken.None);
        try
        {
            await Eventually(() => runtime.Ready, "the caches sync");
            var informers = provider.GetRequiredService<InformerRegistry>();
            informers.Kinds.Should().BeEquivalentTo([typeof(V1Alpha1NodeImage), typeof(V1Alpha1ImagePrePull)], "one informer per kind, whatever number of controllers watch it");
            informers.For<V1Alpha1NodeImage>().Lists.Should().Be(1);

            await prePulls.CreateAsync(new V1Alpha1ImagePrePull { Metadata = new V1ObjectMeta { Name = "ctl-x", NamespaceProperty = "default" }, Spec = new ImagePrePullSpec { Images = ["app:1"] } });
            await nodeImages.CreateAsync(new V1Alpha1NodeImage
            {
                Metadata = new V1ObjectMeta { Name = "ctl-node" },
                Spec = new NodeImageSpec { Images = [new WantedImage { Reference = "app:1", Owners = [new ImageOwner { Kind = "ImagePrePull", Namespace = "default", Name = "ctl-x" }] }] },
            });
            await Eventually(() => journal.Count("nodeimage", "ctl-node") > 0 && journal.Count("imageprepull", "default/ctl-x") > 0, "both controllers reconcile");
            await Eventually(() => (nodeImages.GetAsync(null, "ctl-node").GetAwaiter().GetResult()?.Metadata.Finalizers ?? []).Contains(Finalizer), "the runtime adds the finalizer");

            // A status write leaves the generation alone: the NodeImage controller is not woken, its owner is (Owns).
            await Task.Delay(500);
            var before = journal.Count("nodeimage", "ctl-node");
            var ownerBefore = journal.Count("imageprepull", "default/ctl-x");
            await nodeImages.PatchStatusAsync(null, "ctl-node", new { status = new NodeImageStatus { HeartbeatTime = DateTime.UtcNow } });
            await Eventually(() => journal.Count("imageprepull", "default/ctl-x") > ownerBefore, "the owner is re-queued by a change to what it owns");
            await Task.Delay(1000);
            journal.Count("nodeimage", "ctl-node").Should().Be(before, "a status write does not re-queue the object's own controller");

            await nodeImages.PatchAsync(null, "ctl-node", new { spec = new { images = new[] { new { reference = "app:2", owners = new[] { new { kind = "ImagePrePull", @namespace = "default", name = "ctl-x" } } } } } });
            await Eventually(() => journal.Count("nodeimage", "ctl-node") > before, "a spec change re-queues it");

            await nodeImages.DeleteAsync(null, "ctl-node");
            await Eventually(() => journal.Finalized.Contains("ctl-node"), "FinalizeAsync runs on delete");
            await Eventually(() => nodeImages.GetAsync(null, "ctl-node").GetAwaiter().GetResult() is null, "the finalizer is removed and the object goes");
            journal.ReconciledWhileDeleting.Should().BeEmpty("deletion goes to FinalizeAsync, not ReconcileAsync");
        }
        finally
        {
            await runtime.StopAsync(CancellationToken.None);
            // Other tests' objects must not keep this test's finalizer.
            foreach (var item in (await nodeImages.ListAsync(new ListOptions(), CancellationToken.None)).Items.Where(i => Finalizers.Has(i, Finalizer)))
            {
                await Finalizers.RemoveAsync(nodeImages, item, Finalizer);
            }

            await prePulls.DeleteAsync("default", "ctl-x");
        }
    }

    private sealed class Journal
    {
        private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);

        public ConcurrentBag<string> Finalized { get; } = [];

        public ConcurrentBag<string> ReconciledWhileDeleting { get; } = [];

        public int Count(string controller, string key) => _counts.GetValueOrDefault($"{controller}|{key}");

        public void Reconciled(string controller, IKubernetesObject<V1ObjectMeta> item)
        {
            _counts.AddOrUpdate($"{controller}|{ResourceKey.Of(item)}", 1, (_, n) => n + 1);
            if (Finalizers.IsDeleting(item))
            {
                ReconciledWhileDeleting.Add(item.Metadata.Name);
            }
        }
    }

    private sealed class NodeImageRecorder(Journal journal) : IReconciler<V1Alpha1NodeImage>
    {
        public Task<ReconcileResult> ReconcileAsync(V1Alpha1NodeImage entity, CancellationToken cancellationToken)
        {
            journal.Reconciled("nodeimage", entity);
            return Task.FromResult(ReconcileResult.Done);
        }

        public Task FinalizeAsync(V1Alpha1NodeImage entity, CancellationToken cancellationToken)
        {
            journal.Finalized.Add(entity.Metadata.Name);
            return Task.CompletedTask;
        }
    }

    private sealed class PrePullRecorder(Journal journal) : IReconciler<V1Alpha1ImagePrePull>
    {
        public Task<ReconcileResult> ReconcileAsync(V1Alpha1ImagePrePull entity, CancellationToken cancellationToken)
        {
            journal.Reconciled("imageprepull", entity);
            return Task.FromResult(ReconcileResult.Done);
        }
    }
}
