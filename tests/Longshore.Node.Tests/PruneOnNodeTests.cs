using k8s;
using Longshore.Api;
using Longshore.Kube;
using Longshore.Operator;
using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.Node.Tests;

/// <summary>
/// ImagePrune end to end on a real node, a run on demand (dry) and a scheduled one (real): the operator asks the agent, which plans over containerd's real content and
/// removes through CRI, while kubelet runs and keeps the containers whose images must stay.
/// </summary>
public sealed class PruneOnNodeTests(KubeNodeFixture cluster) : IClassFixture<KubeNodeFixture>
{
    [Fact]
    public async Task An_unused_prune_dry_runs_on_demand_then_removes_on_schedule_exactly_the_unprotected_images_and_frees_what_it_planned()
    {
        var node = cluster.Node;
        await using var longshore = await LongshoreOnNode.StartAsync(node);
        var runtime = longshore.Runtime;
        var shared = new TestImageBuilder().WithRandomLayer(400_000, 7).Build().Layers[0];

        // A tag that moves: the image it named first becomes dangling (<none>), the new one is tagged but unused.
        var first = await PublishAsync(node, "prune/moved:v1", new TestImageBuilder().WithRandomLayer(300_000, 1));
        await runtime.PullAsync(first.Reference, null);
        var moved = await PublishAsync(node, "prune/moved:v1", new TestImageBuilder().WithRandomLayer(300_000, 2));
        await runtime.PullAsync(moved.Reference, null);
        var unused = await PublishAsync(node, "prune/unused:1", new TestImageBuilder().WithRandomLayer(300_000, 3));
        await runtime.PullAsync(unused.Reference, null);
        var sharing = await PublishAsync(node, "prune/sharing:1", new TestImageBuilder().WithSharedLayer(shared).WithFile("srv/own", "mine"));
        await runtime.PullAsync(sharing.Reference, null);
        var kept = await PublishAsync(node, "prune/base:stable", new TestImageBuilder().WithSharedLayer(shared).WithFile("srv/base", "kept"));
        await runtime.PullAsync(kept.Reference, null);
        var wanted = await PublishAsync(node, "prune/wanted:1", new TestImageBuilder().WithRandomLayer(300_000, 4));
        await LongshoreOnNode.PrePullAsync(node, "warm", wanted.Reference);

        // kubelet runs one image and keeps the exited container of another.
        var (runningImage, running) = await Workloads.PublishAppAsync(node, "prune/running:1", "runs");
        var (exitedImage, exited) = await Workloads.PublishAppAsync(node, "prune/exited:1", "exits");
        await Workloads.CreateNamespaceAsync(node, "jobs");
        await Workloads.ApplyAsync(node, Workloads.Deployment("web", "jobs", running, replicas: 1));
        await Workloads.ApplyAsync(node, $$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: once, namespace: jobs}
            spec:
              restartPolicy: Never
              terminationGracePeriodSeconds: 1
              containers:
              - name: main
                image: {{exited}}
                command: ["/bin/busybox", "true"]
            """);
        await Workloads.WaitRunningAsync(node, "jobs", "app=web", 1);
        using var admin = node.Api.CreateClient();
        await Poll.UntilAsync(async () => (await admin.CoreV1.ReadNamespacedPodAsync("once", "jobs")).Status?.Phase == "Succeeded" ? "exited" : null, "the run-once Pod exits", seconds: 60, intervalMilliseconds: 250);

        var dangling = (await runtime.ImageStatusAsync(first.Image.ConfigDigest.ToString()))!;
        dangling.RepoTags.Should().BeEmpty("its tag moved to another image");
        var before = await ImageIdsAsync(runtime);
        var pause = (await runtime.ImageStatusAsync(node.PauseImage))!.Id;
        var removable = new[] { first, moved, unused, sharing }.Select(i => i.Image.ConfigDigest.ToString()).ToHashSet();
        var protectedIds = new[] { kept.Image.ConfigDigest.ToString(), wanted.Image.ConfigDigest.ToString(), runningImage.ConfigDigest.ToString(), exitedImage.ConfigDigest.ToString(), pause };
        before.Should().Contain(removable).And.Contain(protectedIds);

        // The agent must have seen every image before olderThan can count from that moment.
        var nodeImages = new CustomResourceClient<V1Alpha1NodeImage>(admin);
        await Poll.UntilAsync(async () => (await nodeImages.GetAsync(null, node.Name))?.Status?.Inventory?.ImageCount == before.Count ? "seen" : null, "the agent reports every image", seconds: 60, intervalMilliseconds: 250);
        await Task.Delay(TimeSpan.FromSeconds(3));

        await Workloads.ApplyAsync(node, """
            apiVersion: longshore.io/v1alpha1
            kind: ImagePrune
            metadata: {name: tidy}
            spec:
              schedule: "0 0 1 1 *"
              mode: Unused
              olderThan: 2s
              keep: ["*:stable"]
              dryRun: true
            """);
        var prunes = new CustomResourceClient<V1Alpha1ImagePrune>(admin);
        var dry = await RunNowAsync(node, prunes, "dry");
        (dry.DryRun, dry.Nodes, dry.FailedNodes, dry.BytesReclaimed).Should().Be((true, 1, 0, 0L));
        dry.ImagesRemoved.Should().Be(removable.Count, "the dry run plans the dangling, unused and layer-sharing images");
        dry.BytesPlanned.Should().BeGreaterThan(0);
        (await ImageIdsAsync(runtime)).Should().BeEquivalentTo(before, "a dry run removes nothing");

        var blobsBefore = BlobBytes(node);
        // The real run is a scheduled one: the next whole minute at least 5 s away, in UTC.
        var now = DateTimeOffset.UtcNow;
        var due = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero).AddMinutes(now.Second >= 55 ? 2 : 1);
        var real = await WaitForRunAsync(
            node,
            prunes,
            () => prunes.PatchAsync(null, "tidy", new { spec = new { dryRun = false, schedule = $"{due.Minute} {due.Hour} {due.Day} {due.Month} *" } }),
            $"the run scheduled for {due:u}",
            PruneRunPlanner.Stamp(due),
            seconds: 120);
        (real.Trigger, real.ScheduleTime).Should().Be((PruneRunPlanner.ScheduleTrigger, due.UtcDateTime));
        (real.DryRun, real.Nodes, real.FailedNodes, real.ImagesRemoved).Should().Be((false, 1, 0, removable.Count));
        var after = await ImageIdsAsync(runtime);
        after.Should().BeEquivalentTo(before.Except(removable), "exactly the unprotected images go");
        after.Should().Contain(protectedIds);
        real.BytesPlanned.Should().Be(dry.BytesPlanned, "nothing changed between the runs");
        real.BytesReclaimed.Should().BeCloseTo(real.BytesPlanned, (ulong)(real.BytesPlanned / 100), "planned bytes are what removal frees");

        // Measured apart from the agent, on containerd's disk: the removed images' manifests, configs and layers went,
        // all but the layer the kept image shares.
        var ownBlobs = new[] { first, moved, unused, sharing }.Sum(i => i.Image.ManifestBytes.LongLength + i.Image.TotalSize) - shared.Size;
        try
        {
            await Poll.UntilAsync(() => blobsBefore - BlobBytes(node) == ownBlobs, "containerd deletes the removed images' blobs", seconds: 10, intervalMilliseconds: 200);
        }
        catch (TimeoutException)
        {
            // The assertion below says by how much.
        }

        var blobsFreed = blobsBefore - BlobBytes(node);
        blobsFreed.Should().Be(ownBlobs);
        real.BytesReclaimed.Should().BeGreaterThanOrEqualTo(blobsFreed, "freed bytes count the blobs and the unpacked snapshots");
        Console.WriteLine($"prune on node: planned {real.BytesPlanned} bytes, freed {real.BytesReclaimed} bytes ({blobsFreed} of them blobs on disk), {real.ImagesRemoved} images");

        // The layer the removed image shared with the kept one stays in containerd's content store.
        (await node.CtrAsync(["content", "ls"])).EnsureSuccess().StandardOutput.Should().Contain(shared.Digest.ToString());
        var status = (await prunes.GetAsync(null, "tidy"))!.Status!;
        Conditions.IsTrue(status.Conditions, PruneConditions.Degraded).Should().BeFalse();
        var result = status.NodeResults!.Single();
        result.ImagesSkipped.Should().Be(protectedIds.Length, "every protected image is a candidate left in place");
        result.Skipped!.Select(i => i.Reason).Should().Contain([PruneSkipReason.InUse, PruneSkipReason.Kept]).And.Contain(r => r == PruneSkipReason.Wanted || r == PruneSkipReason.Pinned);
        var events = (await admin.CoreV1.ListEventForAllNamespacesAsync()).Items.Where(e => e.InvolvedObject.Kind == "ImagePrune" && e.InvolvedObject.Name == "tidy").ToList();
        events.Should().Contain(e => e.Reason == "RunStarted" && e.Message.Contains(real.RunId!)).And.Contain(e => e.Reason == "RunFinished" && e.Message.Contains(real.RunId!));

        // The operator's metrics show both runs and what the real one removed and freed.
        using var http = new HttpClient();
        var metrics = await http.GetStringAsync(new Uri($"http://{longshore.Options.ListenAddress}:{longshore.Options.MetricsPort}/metrics"));
        Sample(metrics, "longshore_imageprune_images_removed_total", "name=\"tidy\"").Should().Be(removable.Count);
        Sample(metrics, "longshore_imageprune_bytes_reclaimed_total", "name=\"tidy\"").Should().Be(real.BytesReclaimed);
        Sample(metrics, "longshore_imageprune_runs_total", "result=\"dry_run\"").Should().Be(1);
        Sample(metrics, "longshore_imageprune_runs_total", "result=\"succeeded\"").Should().Be(1);
        (await node.Api.KubectlAsync(["delete", "namespace", "jobs", "--wait=false"])).EnsureSuccess();
    }

    /// <summary>The value of the one sample of <paramref name="metric"/> whose labels include <paramref name="label"/>.</summary>
    private static long Sample(string exposition, string metric, string label)
    {
        var line = exposition.Split('\n').Single(l => l.StartsWith(metric + "{", StringComparison.Ordinal) && l.Contains(label, StringComparison.Ordinal));
        return (long)double.Parse(line[(line.IndexOf('}', StringComparison.Ordinal) + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<(BuiltImage Image, string Reference)> PublishAsync(KubeNode node, string repositoryAndTag, TestImageBuilder builder)
    {
        var image = builder.Build();
        await Skopeo.PublishAsync(image, node.Registry, repositoryAndTag);
        return (image, node.Registry.Reference(repositoryAndTag));
    }

    /// <summary>The bytes of every blob in containerd's content store, read from its folder.</summary>
    private static long BlobBytes(KubeNode node) =>
        new DirectoryInfo(Path.Combine(Path.GetDirectoryName(node.ContainerdSocket)!, "root", "io.containerd.content.v1.content", "blobs", "sha256")).EnumerateFiles().Sum(f => f.Length);

    private static async Task<HashSet<string>> ImageIdsAsync(Runtime.CriImageRuntime runtime) => (await runtime.ListImagesAsync()).Select(i => i.Id).ToHashSet();

    /// <summary>Starts a run with the run-now annotation and waits until it is the last, finished run.</summary>
    private static Task<PruneRun> RunNowAsync(KubeNode node, CustomResourceClient<V1Alpha1ImagePrune> prunes, string value) =>
        WaitForRunAsync(
            node,
            prunes,
            () => prunes.PatchAsync(null, "tidy", new { metadata = new { annotations = new Dictionary<string, string> { [PruneRunPlanner.RunNowAnnotation] = value } } }),
            $"run-now '{value}'",
            "manual-",
            seconds: 60);

    /// <summary>Does what starts a run and waits until a run whose identity starts with <paramref name="runIdPrefix"/> is the last, finished one.</summary>
    private static async Task<PruneRun> WaitForRunAsync(KubeNode node, CustomResourceClient<V1Alpha1ImagePrune> prunes, Func<Task> start, string what, string runIdPrefix, int seconds)
    {
        var previous = (await prunes.GetAsync(null, "tidy"))?.Status?.LastRun?.RunId;
        await start();
        try
        {
            return await Poll.UntilAsync(
                async () => (await prunes.GetAsync(null, "tidy"))?.Status?.LastRun is { CompletionTime: not null } run && run.RunId != previous && run.RunId?.StartsWith(runIdPrefix, StringComparison.Ordinal) == true ? run : null,
                $"{what} finishes",
                seconds: seconds,
                intervalMilliseconds: 200);
        }
        catch (TimeoutException e)
        {
            var objects = await node.Api.KubectlAsync(["get", "imageprunes,nodeimages", "-o", "yaml"]);
            throw new TimeoutException($"{e.Message}\n{objects.StandardOutput}", e);
        }
    }
}
