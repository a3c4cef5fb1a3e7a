using Longshore.Runtime;
using Longshore.TestBed;
using Microsoft.Extensions.Logging.Abstractions;

namespace Longshore.Agent.Tests;

/// <summary>The image-use store on a real folder: what it remembers across reopening, and what it forgets.</summary>
public sealed class ImageUseStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _directory = TempDirectory.Create("longshore-use");

    public void Dispose() => _directory.Dispose();

    private static RuntimeImage Image(string id, params string[] tags) => new(id, tags, [], 10, false);

    [Fact]
    public void Last_use_and_executed_runs_survive_reopening()
    {
        var store = ImageUseStore.Open(_directory.Path, NullLogger.Instance);
        store.Observe([Image("sha256:a"), Image("sha256:b")], new HashSet<string> { "sha256:a" }, T0);
        store.Observe([Image("sha256:a"), Image("sha256:b")], new HashSet<string> { "sha256:a" }, T0 + TimeSpan.FromHours(2));
        store.MarkRun("nightly", "run-1");

        var reopened = ImageUseStore.Open(_directory.Path, NullLogger.Instance);

        reopened.LastUsed("sha256:a").Should().Be(T0 + TimeSpan.FromHours(2), "a container used it at the second look");
        reopened.LastUsed("sha256:b").Should().Be(T0, "no container used it: the time it was first seen");
        reopened.HasRun("nightly", "run-1").Should().BeTrue();
        reopened.HasRun("nightly", "run-2").Should().BeFalse();
        Directory.GetFiles(_directory.Path).Select(Path.GetFileName).Should().Equal(ImageUseStore.FileName);
    }

    [Fact]
    public void An_image_used_by_its_repo_digest_counts_as_used_and_a_gone_image_is_forgotten()
    {
        var store = ImageUseStore.Open(_directory.Path, NullLogger.Instance);
        var image = new RuntimeImage("sha256:c", [], ["example.com/app@sha256:d"], 10, false);
        store.Observe([image, Image("sha256:e")], new HashSet<string>(), T0);
        store.Observe([image], new HashSet<string> { "example.com/app@sha256:d" }, T0 + TimeSpan.FromDays(1));

        store.LastUsed("sha256:c").Should().Be(T0 + TimeSpan.FromDays(1));
        ImageUseStore.Open(_directory.Path, NullLogger.Instance).LastUsed("sha256:e").Should().BeNull();
    }

    [Fact]
    public void An_unreadable_file_is_set_aside_and_the_store_starts_empty()
    {
        File.WriteAllText(Path.Combine(_directory.Path, ImageUseStore.FileName), "{not json");

        var store = ImageUseStore.Open(_directory.Path, NullLogger.Instance);

        store.LastUsed("sha256:a").Should().BeNull();
        File.Exists(Path.Combine(_directory.Path, ImageUseStore.FileName + ".corrupt")).Should().BeTrue();
    }
}
