using Longshore.Oci;

namespace Longshore.LayerStore.Tests;

/// <summary>The store's write path: ingest, verify, rename, commit.</summary>
public sealed class IngestTests
{
    private static readonly byte[] Content = System.Text.Encoding.UTF8.GetBytes("layer content");

    private static Descriptor Blob(byte[] content) => new() { MediaType = MediaTypes.OciLayer, Digest = Digest.Compute(content), Size = content.Length };

    [Fact]
    public async Task Verified_content_is_renamed_into_place()
    {
        using var scope = new StoreScope();
        var blob = Blob(Content);

        await using (var ingest = await scope.Store.BeginIngestAsync(blob))
        {
            await ingest!.WriteAsync(Content);
            await ingest.CommitAsync();
        }

        scope.Store.HasBlob(blob.Digest).Should().BeTrue();
        (await scope.Store.ReadBlobAsync(blob.Digest)).Should().Equal(Content);
        (await scope.Store.BeginIngestAsync(blob)).Should().BeNull("the store already holds it");
        Directory.EnumerateFileSystemEntries(Path.Combine(scope.Root, "ingest")).Should().BeEmpty();
    }

    [Fact]
    public async Task Content_that_does_not_match_its_digest_is_refused_and_removed()
    {
        using var scope = new StoreScope();
        var blob = Blob(Content);

        await using (var ingest = await scope.Store.BeginIngestAsync(blob))
        {
            await ingest!.WriteAsync(System.Text.Encoding.UTF8.GetBytes("LAYER CONTENT"));
            var commit = () => ingest.CommitAsync();
            (await commit.Should().ThrowAsync<StoreCorruptException>()).WithMessage($"*expected {blob.Digest}*");
        }

        scope.Store.HasBlob(blob.Digest).Should().BeFalse();
        Directory.EnumerateFiles(Path.Combine(scope.Root, "ingest"), "*.partial").Should().BeEmpty("wrong content is not kept for resuming");
    }

    [Fact]
    public async Task A_transfer_begun_again_discards_what_was_written()
    {
        using var scope = new StoreScope();
        var blob = Blob(Content);

        await using (var ingest = await scope.Store.BeginIngestAsync(blob))
        {
            await ingest!.WriteAsync(Content.AsMemory(0, 5));
            ingest.Position = 0;
            ingest.SetLength(0);
            await ingest.WriteAsync(Content);
            await ingest.CommitAsync();
        }

        (await scope.Store.ReadBlobAsync(blob.Digest)).Should().Equal(Content);
    }

    [Fact]
    public async Task A_second_writer_waits_for_the_first_and_then_finds_the_blob()
    {
        using var scope = new StoreScope();
        var blob = Blob(Content);
        await using var first = await scope.Store.BeginIngestAsync(blob);

        var second = scope.Store.BeginIngestAsync(blob);
        await Task.Delay(100);
        second.IsCompleted.Should().BeFalse("one writer per blob at a time");
        await first!.WriteAsync(Content);
        await first.CommitAsync();
        await first.DisposeAsync();

        (await second).Should().BeNull();
    }

    [Fact]
    public async Task Short_content_is_refused()
    {
        using var scope = new StoreScope();
        var blob = Blob(Content);

        await using var ingest = await scope.Store.BeginIngestAsync(blob);
        await ingest!.WriteAsync(Content.AsMemory(0, 3));

        var commit = () => ingest.CommitAsync();
        (await commit.Should().ThrowAsync<StoreCorruptException>()).WithMessage("*3 bytes*");
    }

    [Fact]
    public async Task An_interrupted_ingest_is_kept_and_the_next_writer_continues_from_it()
    {
        using var scope = new StoreScope();
        var blob = Blob(Content);
        await using (var first = await scope.Store.BeginIngestAsync(blob))
        {
            first!.ResumedBytes.Should().Be(0);
            await first.WriteAsync(Content.AsMemory(0, 5));
        }

        scope.Reopen();
        await using (var second = await scope.Store.BeginIngestAsync(blob))
        {
            second!.ResumedBytes.Should().Be(5);
            second.Position.Should().Be(5);
            await second.WriteAsync(Content.AsMemory(5));
            await second.CommitAsync();
        }

        (await scope.Store.ReadBlobAsync(blob.Digest)).Should().Equal(Content);
        Directory.EnumerateFileSystemEntries(Path.Combine(scope.Root, "ingest")).Should().BeEmpty();
    }

    [Fact]
    public async Task A_kept_prefix_that_is_wrong_fails_the_digest_over_the_whole_blob_and_is_discarded()
    {
        using var scope = new StoreScope();
        var blob = Blob(Content);
        var partial = Path.Combine(scope.Root, "ingest", blob.Digest.Hex + ".partial");
        await File.WriteAllBytesAsync(partial, System.Text.Encoding.UTF8.GetBytes("LAYER"));

        await using (var resumed = await scope.Store.BeginIngestAsync(blob))
        {
            resumed!.ResumedBytes.Should().Be(5);
            await resumed.WriteAsync(Content.AsMemory(5));
            var commit = () => resumed.CommitAsync();
            (await commit.Should().ThrowAsync<StoreCorruptException>()).WithMessage("*resumed after 5 kept bytes*");
        }

        File.Exists(partial).Should().BeFalse();
        await using var fresh = await scope.Store.BeginIngestAsync(blob);
        fresh!.ResumedBytes.Should().Be(0);
    }

    [Fact]
    public async Task A_kept_file_longer_than_the_blob_is_started_over()
    {
        using var scope = new StoreScope();
        var blob = Blob(Content);
        await File.WriteAllBytesAsync(Path.Combine(scope.Root, "ingest", blob.Digest.Hex + ".partial"), new byte[Content.Length + 1]);

        await using var ingest = await scope.Store.BeginIngestAsync(blob);

        ingest!.ResumedBytes.Should().Be(0);
        await ingest.WriteAsync(Content);
        await ingest.CommitAsync();
        (await scope.Store.ReadBlobAsync(blob.Digest)).Should().Equal(Content);
    }

    [Fact]
    public async Task Open_keeps_recent_kept_downloads_and_removes_stale_ones()
    {
        using var scope = new StoreScope();
        var ingest = Path.Combine(scope.Root, "ingest");
        var recent = Path.Combine(ingest, Digest.Compute("recent"u8).Hex + ".partial");
        var stale = Path.Combine(ingest, Digest.Compute("stale"u8).Hex + ".partial");
        await File.WriteAllTextAsync(recent, "rec");
        await File.WriteAllTextAsync(stale, "sta");
        File.SetLastWriteTimeUtc(stale, DateTime.UtcNow - TimeSpan.FromHours(25));

        scope.Reopen();

        File.Exists(recent).Should().BeTrue("a pull may still resume it");
        File.Exists(stale).Should().BeFalse("nothing wrote to it for longer than the retention");
    }

    [Fact]
    public async Task Open_keeps_a_kept_download_whose_writer_holds_the_lock()
    {
        using var scope = new StoreScope();
        var blob = Blob(Content);
        await using var writer = await scope.Store.BeginIngestAsync(blob);
        await writer!.WriteAsync(Content.AsMemory(0, 4));
        await writer.FlushAsync();
        var partial = Path.Combine(scope.Root, "ingest", blob.Digest.Hex + ".partial");
        File.SetLastWriteTimeUtc(partial, DateTime.UtcNow - TimeSpan.FromDays(3));

        using var other = ImageStore.Open(scope.Root);

        File.Exists(partial).Should().BeTrue("a live writer locks it");
    }
}
