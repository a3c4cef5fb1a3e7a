using k8s;
using k8s.Models;
using Longshore.Api;
using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.Kube.Tests;

[Collection(KubeCollection.Name)]
public sealed class RuntimeIntegrationTests(CrdApiServerFixture fixture)
{
    private static V1Alpha1NodeImage Node(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["test"] = name.Split('-')[0] } },
        Spec = new NodeImageSpec { Images = [new WantedImage { Reference = "app:1", Owners = [new ImageOwner { Kind = "ImagePrePull", Namespace = "default", Name = "x" }] }] },
    };

    private static Task Eventually(Func<bool> condition, string what, int seconds = 20) => Poll.UntilAsync(condition, what, seconds);

    [Fact]
    public async Task Informer_follows_creates_updates_and_deletes()
    {
        using var client = fixture.Server.CreateClient();
        var resources = new CustomResourceClient<V1Alpha1NodeImage>(client);
        var informer = new Informer<V1Alpha1NodeImage>(resources, new ListOptions(LabelSelector: "test=crud"));
        var deleted = new List<string>();
        informer.OnEvent((type, item) =>
        {
            if (type == WatchEventType.Deleted)
            {
                lock (deleted)
                {
                    deleted.Add(item.Metadata.Name);
                }
            }
        });
        using var stop = new CancellationTokenSource();
        var run = informer.RunAsync(stop.Token);
        await informer.Synced;

        var created = await resources.CreateAsync(Node("crud-1"));
        await Eventually(() => informer.Cache.Get(new ResourceKey(string.Empty, "crud-1")) is not null, "the create is seen");
        await resources.PatchAsync(null, "crud-1", new { metadata = new { annotations = new Dictionary<string, string> { ["step"] = "2" } } });
        await Eventually(() => informer.Cache.Get(new ResourceKey(string.Empty, "crud-1"))?.Metadata.Annotations?.ContainsKey("step") == true, "the update is seen");
        await resources.DeleteAsync(null, "crud-1");
        await Eventually(() => informer.Cache.Get(new ResourceKey(string.Empty, "crud-1")) is null, "the delete is seen");
        lock (deleted)
        {
            deleted.Should().Contain("crud-1");
        }

        created.Metadata.Uid.Should().NotBeNullOrEmpty();
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task Watch_survives_an_api_server_restart_without_losing_an_update()
    {
        using var client = fixture.Server.CreateClient();
        var resources = new CustomResourceClient<V1Alpha1NodeImage>(client);
        await resources.CreateAsync(Node("restart-1"));
        var informer = new Informer<V1Alpha1NodeImage>(resources, new ListOptions(LabelSelector: "test=restart"));
        using var stop = new CancellationTokenSource();
        var run = informer.RunAsync(stop.Token);
        await informer.Synced;
        await Eventually(() => informer.Cache.Count == 1, "the first object is cached");

        await fixture.Server.StopApiServerAsync();
        await fixture.Server.StartApiServerAsync();
        // Written right after the restart, possibly before the informer reconnected: it must still arrive.
        using var fresh = fixture.Server.CreateClient();
        await new CustomResourceClient<V1Alpha1NodeImage>(fresh).CreateAsync(Node("restart-2"));

        await Eventually(() => informer.Cache.Get(new ResourceKey(string.Empty, "restart-2")) is not null, "the object written after the restart is seen", 60);
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task A_too_old_resource_version_leads_to_a_relist()
    {
        using var client = fixture.Server.CreateClient();
        var resources = new CustomResourceClient<V1Alpha1NodeImage>(client);
        await resources.CreateAsync(Node("stale-1"));
        // A version from before the API server's watch window, as after a long disconnection: the watch answers 410.
        const string staleVersion = "2";
        var informer = new Informer<V1Alpha1NodeImage>(new StaleListClient(resources, staleVersion), new ListOptions(LabelSelector: "test=stale"));
        using var stop = new CancellationTokenSource();
        var run = informer.RunAsync(stop.Token);
        await Eventually(() => informer.Lists >= 2, "the informer lists again after 410 Gone", 30);
        await resources.CreateAsync(Node("stale-2"));
        await Eventually(() => informer.Cache.Get(new ResourceKey(string.Empty, "stale-2")) is not null, "watching resumes after the re-list");
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task Status_writer_writes_only_changes_and_conditions_keep_their_time()
    {
        using var client = fixture.Server.CreateClient();
        var resources = new CustomResourceClient<V1Alpha1NodeImage>(client);
        var node = await resources.CreateAsync(Node("status-1"));
        var status = new NodeImageStatus { Inventory = new ImageInventory { ImageCount = 3 }, Conditions = [] };
        Conditions.Set(status.Conditions, "Ready", true, "Reporting", "agent is reporting", 1, DateTimeOffset.UtcNow);

        (await StatusWriter.WriteAsync(resources, node, status, CancellationToken.None)).Should().BeTrue();
        var written = (await resources.GetAsync(null, "status-1"))!;
        written.Status!.Inventory!.ImageCount.Should().Be(3);
        written.Spec.Images.Should().HaveCount(1, "a status write leaves the spec alone");

        (await StatusWriter.WriteAsync(resources, written, status, CancellationToken.None)).Should().BeFalse();
        (await resources.GetAsync(null, "status-1"))!.Metadata.ResourceVersion.Should().Be(written.Metadata.ResourceVersion);

        // A stale copy conflicts, is re-read and written.
        var changed = new NodeImageStatus { Inventory = new ImageInventory { ImageCount = 4 }, Conditions = status.Conditions };
        await resources.PatchAsync(null, "status-1", new { metadata = new { labels = new Dictionary<string, string> { ["bumped"] = "yes" } } });
        (await StatusWriter.WriteAsync(resources, written, changed, CancellationToken.None)).Should().BeTrue();
        (await resources.GetAsync(null, "status-1"))!.Status!.Inventory!.ImageCount.Should().Be(4);
    }

    [Fact]
    public async Task Finalizers_and_events()
    {
        using var client = fixture.Server.CreateClient();
        var resources = new CustomResourceClient<V1Alpha1NodeImage>(client);
        var node = await resources.CreateAsync(Node("final-1"));
        node = await Finalizers.AddAsync(resources, node, "longshore.io/test");
        node = await Finalizers.AddAsync(resources, node, "longshore.io/test");
        node.Metadata.Finalizers.Should().Equal("longshore.io/test");
        await resources.DeleteAsync(null, "final-1");
        var deleting = (await resources.GetAsync(null, "final-1"))!;
        Finalizers.IsDeleting(deleting).Should().BeTrue();
        await Finalizers.RemoveAsync(resources, deleting, "longshore.io/test");
        (await resources.GetAsync(null, "final-1")).Should().BeNull();

        var recorder = new EventRecorder(client, "longshore-test");
        await recorder.WarningAsync(node, "PullFailed", "manifest unknown");
        await recorder.WarningAsync(node, "PullFailed", "manifest unknown");
        var events = await client.CoreV1.ListNamespacedEventAsync("default", fieldSelector: $"involvedObject.name={node.Metadata.Name}");
        events.Items.Should().ContainSingle().Which.Count.Should().Be(2);
    }

    [Fact]
    public async Task Two_candidates_elect_one_leader_and_the_other_takes_over()
    {
        using var clientA = fixture.Server.CreateClient();
        using var clientB = fixture.Server.CreateClient();
        var lease = TimeSpan.FromSeconds(3);
        var a = new LeaderElection(clientA, "default", "longshore-test-lease", "candidate-a", lease);
        var b = new LeaderElection(clientB, "default", "longshore-test-lease", "candidate-b", lease);
        var leading = 0;
        var maxLeading = 0;
        var led = new List<string>();
        Func<string, Func<CancellationToken, Task>> work = name => async ct =>
        {
            var now = Interlocked.Increment(ref leading);
            lock (led)
            {
                led.Add(name);
                maxLeading = Math.Max(maxLeading, now);
            }

            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            finally
            {
                Interlocked.Decrement(ref leading);
            }
        };
        using var stopA = new CancellationTokenSource();
        using var stopB = new CancellationTokenSource();
        var runA = a.RunAsync(work("a"), stopA.Token);
        await Eventually(() => a.IsLeader, "candidate a leads");
        var runB = b.RunAsync(work("b"), stopB.Token);
        await Task.Delay(lease);
        b.IsLeader.Should().BeFalse();

        var stoppedAt = DateTime.UtcNow;
        await stopA.CancelAsync();
        await runA;
        await Eventually(() => b.IsLeader, "candidate b takes over", 30);
        (DateTime.UtcNow - stoppedAt).Should().BeLessThan(lease * 3);
        maxLeading.Should().Be(1);
        await stopB.CancelAsync();
        await runB;
        led.Should().Equal("a", "b");
    }

    /// <summary>Hands the informer a list whose resourceVersion is long gone, as after a long disconnection.</summary>
    private sealed class StaleListClient(ResourceClient<V1Alpha1NodeImage> inner, string staleVersion) : ResourceClient<V1Alpha1NodeImage>
    {
        private int _lists;

        public override async Task<ResourceList<V1Alpha1NodeImage>> ListAsync(ListOptions options, CancellationToken cancellationToken)
        {
            var list = await inner.ListAsync(options, cancellationToken);
            if (Interlocked.Increment(ref _lists) == 1)
            {
                list.Metadata.ResourceVersion = staleVersion;
            }

            return list;
        }

        public override IAsyncEnumerable<(WatchEventType Type, V1Alpha1NodeImage Object)> WatchAsync(string resourceVersion, ListOptions options, Action<Exception> onError, CancellationToken cancellationToken) =>
            inner.WatchAsync(resourceVersion, options, onError, cancellationToken);
    }
}
