using Longshore.LayerStore;
using Longshore.Registry;
using Longshore.Runtime;
using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.Agent.Tests;

/// <summary>Standalone mode: a folder of ImagePrePull YAML applied to one machine, here with the embedded store and a real registry.</summary>
public sealed class StandaloneAgentTests(RegistryFixture registry) : IClassFixture<RegistryFixture>
{
    [Fact]
    public async Task Applies_the_folder_follows_edits_and_skips_bad_files()
    {
        var one = new TestImageBuilder().WithFile("one", "1").Build();
        var two = new TestImageBuilder().WithFile("two", "2").Build();
        await Skopeo.PublishAsync(one, registry.Server, "standalone/one:1");
        await Skopeo.PublishAsync(two, registry.Server, "standalone/two:1");
        using var folder = TempDirectory.Create("longshore-standalone");
        var manifests = Directory.CreateDirectory(folder.Combine("manifests")).FullName;
        using var store = ImageStore.Open(folder.Combine("store"));
        await using var runtime = new EmbeddedImageRuntime(store, new RegistryClientOptions());
        var agent = new StandaloneAgent(manifests, runtime, TimeSpan.FromSeconds(30));
        string PrePull(string name, params string[] images) =>
            $"apiVersion: longshore.io/v1alpha1\nkind: ImagePrePull\nmetadata: {{name: {name}, namespace: default}}\nspec:\n  images: [{string.Join(", ", images.Select(i => $"\"{i}\""))}]\n";

        await File.WriteAllTextAsync(Path.Combine(manifests, "web.yaml"), PrePull("web", registry.Server.Reference("standalone/one:1")));
        await File.WriteAllTextAsync(Path.Combine(manifests, "broken.yaml"), PrePull("broken", "Not/Valid"));
        using var stop = new CancellationTokenSource();
        var run = agent.RunAsync(stop.Token);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        // The pin follows the pull: wait for both.
        while ((store.FindImageId(registry.Server.Reference("standalone/one:1")) is null || store.Inspect(registry.Server.Reference("standalone/one:1")).PinnedBy.Count == 0) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        store.Inspect(registry.Server.Reference("standalone/one:1")).PinnedBy.Should().Contain(EmbeddedImageRuntime.PinOwner);
        agent.LastResult.Should().ContainKey("broken.yaml/broken").WhoseValue.Should().StartWith("invalid: spec.images[0]");

        // An edit is picked up without waiting for the resync: the second image arrives, the first is unpinned but kept.
        await File.WriteAllTextAsync(Path.Combine(manifests, "web.yaml"), PrePull("web", registry.Server.Reference("standalone/two:1")));
        deadline = DateTime.UtcNow.AddSeconds(20);
        while (store.FindImageId(registry.Server.Reference("standalone/two:1")) is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        store.FindImageId(registry.Server.Reference("standalone/two:1")).Should().NotBeNull();
        deadline = DateTime.UtcNow.AddSeconds(10);
        while (store.Inspect(registry.Server.Reference("standalone/one:1")).PinnedBy.Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        store.Inspect(registry.Server.Reference("standalone/one:1")).PinnedBy.Should().BeEmpty();
        await stop.CancelAsync();
        await run;
    }
}
