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
        Directory.EnumerateFileSystemEntries(Path.Combine(scope.Root, "ingest")).Should().BeEmpty();
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
}
