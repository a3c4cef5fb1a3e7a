using System.IO.Compression;
using Longshore.Oci;

namespace Longshore.LayerStore;

public sealed partial class ImageStore
{
    /// <summary>
    /// <c>image history</c>: the config's history entries, newest first, each non-empty one matched in order to the next
    /// layer of <c>rootfs.diff_ids</c>. Layers without a history entry (configs that carry none) get a row of their own.
    /// </summary>
    public async Task<IReadOnlyList<ImageHistoryEntry>> HistoryAsync(string image, CancellationToken cancellationToken = default)
    {
        ImageRow row;
        List<(Digest Digest, Digest DiffId, long Size, string MediaType)> layers;
        List<string> tags;
        using (var connection = _database.Open())
        {
            row = FindImage(connection, image);
            var id = row.Id.ToString();
            layers = StoreDatabase.Query(
                connection,
                "SELECT ib.digest, ib.diff_id, b.size, b.media_type FROM image_blobs ib JOIN blobs b ON b.digest = ib.digest WHERE ib.image_id = $i AND ib.kind = 'layer' ORDER BY ib.position",
                r => (Digest.Parse(r.GetString(0)), Digest.Parse(r.GetString(1)), r.GetInt64(2), r.GetString(3)),
                null,
                ("$i", id));
            tags = StoreDatabase.Query(connection, "SELECT repository, tag FROM tags WHERE image_id = $i ORDER BY repository, tag", r => Familiar(r.GetString(0), r.GetString(1)), null, ("$i", id));
        }

        var config = ImageConfig.Parse(await ReadBlobAsync(row.Id, cancellationToken));
        var rows = new List<ImageHistoryEntry>();
        var next = 0;
        foreach (var step in config.History ?? [])
        {
            if (step.EmptyLayer == true || next >= layers.Count)
            {
                rows.Add(new ImageHistoryEntry(null, step.Created, step.CreatedBy ?? string.Empty, 0, step.Comment ?? string.Empty, true, null, []));
                continue;
            }

            var layer = layers[next++];
            rows.Add(new ImageHistoryEntry(null, step.Created, step.CreatedBy ?? string.Empty, await UncompressedSizeAsync(layer.Digest, layer.Size, layer.MediaType, cancellationToken), step.Comment ?? string.Empty, false, layer.DiffId, []));
        }

        for (; next < layers.Count; next++)
        {
            var layer = layers[next];
            rows.Add(new ImageHistoryEntry(null, null, string.Empty, await UncompressedSizeAsync(layer.Digest, layer.Size, layer.MediaType, cancellationToken), string.Empty, false, layer.DiffId, []));
        }

        rows.Reverse();
        if (rows.Count == 0)
        {
            rows.Add(new ImageHistoryEntry(null, row.Created, string.Empty, 0, string.Empty, true, null, []));
        }

        rows[0] = rows[0] with { ImageId = row.Id, Tags = tags };
        return rows;
    }

    private async Task<long> UncompressedSizeAsync(Digest digest, long storedSize, string mediaType, CancellationToken cancellationToken)
    {
        if (MediaTypes.CompressionOf(mediaType) != LayerCompression.Gzip)
        {
            return storedSize;
        }

        // gzip's trailer only holds the size modulo 4 GiB of its last member: count the bytes instead.
        await using var blob = OpenBlob(digest);
        await using var gzip = new GZipStream(blob, CompressionMode.Decompress);
        var buffer = new byte[1 << 16];
        long total = 0;
        int read;
        while ((read = await gzip.ReadAsync(buffer, cancellationToken)) > 0)
        {
            total += read;
        }

        return total;
    }
}
