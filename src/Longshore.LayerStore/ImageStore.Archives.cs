using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Longshore.Oci;

namespace Longshore.LayerStore;

public sealed partial class ImageStore
{
    private const string RefNameAnnotation = "org.opencontainers.image.ref.name";
    private const string ContainerdNameAnnotation = "io.containerd.image.name";
    private static readonly DateTimeOffset ArchiveTime = DateTimeOffset.UnixEpoch;

    /// <summary>
    /// Writes images to a tar: <see cref="ArchiveFormat.DockerArchive"/> (manifest.json, repositories, config and uncompressed
    /// layer tars, as <c>docker save</c>) or <see cref="ArchiveFormat.OciLayout"/> (blobs as stored). An image named by tag
    /// is saved with that tag; one named by ID without tags, as Docker does.
    /// </summary>
    public async Task SaveAsync(IReadOnlyList<string> images, Stream destination, ArchiveFormat format, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0)
        {
            throw new ArgumentException("save needs at least one image", nameof(images));
        }

        var selected = new List<(ImageRow Image, string? Tag, string ManifestMediaType)>();
        using (var connection = _database.Open())
        {
            foreach (var name in images)
            {
                var row = FindImage(connection, name);
                string? tag = null;
                if (ImageReference.TryParse(name, out var reference) && reference is not null && reference.Digest is null
                    && StoreDatabase.Scalar(connection, "SELECT image_id FROM tags WHERE repository = $r AND tag = $t", null, ("$r", reference.Repository), ("$t", reference.Tag ?? ImageReference.DefaultTag)) is string id
                    && id == row.Id.ToString())
                {
                    tag = reference.ToString();
                }

                var mediaType = (string)StoreDatabase.Scalar(connection, "SELECT media_type FROM blobs WHERE digest = $d", null, ("$d", row.ManifestDigest.ToString()))!;
                selected.Add((row, tag, mediaType));
            }
        }

        await using var writer = new TarWriter(destination, TarEntryFormat.Pax, leaveOpen: true);
        if (format == ArchiveFormat.OciLayout)
        {
            await SaveOciLayoutAsync(writer, selected, cancellationToken);
        }
        else
        {
            await SaveDockerArchiveAsync(writer, selected, cancellationToken);
        }
    }

    /// <summary>
    /// Loads a docker-archive or OCI-layout tar: every entry must stay inside the archive (no <c>..</c>, absolute paths or
    /// links out), every blob must hash to its digest and every layer to its diff ID; then all images and tags commit at once.
    /// </summary>
    public async Task<LoadResult> LoadAsync(Stream source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var folder = Path.Combine(_blobs.IngestDirectory, $"load.{Environment.ProcessId}.{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            await ArchiveExtractor.ExtractAsync(source, folder, cancellationToken);
            var images = File.Exists(Path.Combine(folder, "oci-layout")) && File.Exists(Path.Combine(folder, "index.json"))
                ? await ReadOciLayoutAsync(folder, cancellationToken)
                : File.Exists(Path.Combine(folder, "manifest.json"))
                    ? await ReadDockerArchiveAsync(folder, cancellationToken)
                    : throw new InvalidDataException("the archive is neither a docker-archive (no manifest.json) nor an OCI image layout (no oci-layout and index.json)");
            return Commit(images);
        }
        finally
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // Cleaned on the next open (the folder name carries this process's ID).
            }
        }
    }

    private sealed record LoadedImage(ManifestDocument Manifest, ImageConfig Config, long ConfigSize, IReadOnlyList<string> Names, IReadOnlyDictionary<Digest, string> BlobFiles);

    private LoadResult Commit(List<LoadedImage> images)
    {
        var lease = CreateLease(images.SelectMany(i => i.BlobFiles.Keys));
        try
        {
            foreach (var image in images)
            {
                foreach (var (digest, file) in image.BlobFiles)
                {
                    if (!_blobs.Exists(digest))
                    {
                        var ingest = _blobs.NewIngestPath(digest);
                        File.Copy(file, ingest);
                        _blobs.Commit(ingest, digest);
                    }
                }
            }

            var lines = new List<string>();
            // As for a pull: blobs flushed and renamed (above), then one commit under the lock fsck and rm take.
            using var gc = AcquireGcLock();
            using var connection = _database.Open();
            using var transaction = connection.BeginTransaction();
            foreach (var image in images)
            {
                var manifest = image.Manifest.Manifest!;
                InsertImage(connection, transaction, manifest.Config.Digest, image.Manifest, manifest, image.Config, image.ConfigSize);
                foreach (var name in image.Names)
                {
                    var reference = ImageReference.Parse(name);
                    SetTag(connection, transaction, reference.Repository, reference.Tag ?? ImageReference.DefaultTag, manifest.Config.Digest);
                    lines.Add($"Loaded image: {reference.Familiar}");
                }

                if (image.Names.Count == 0)
                {
                    lines.Add($"Loaded image ID: {manifest.Config.Digest}");
                }
            }

            StoreDatabase.Execute(connection, "DELETE FROM leases WHERE id = $id", transaction, ("$id", lease));
            transaction.Commit();
            return new LoadResult(lines, images.Select(i => i.Manifest.Manifest!.Config.Digest).Distinct().ToList());
        }
        catch
        {
            // A successful commit removed the lease in its own transaction; only a failure leaves it to release.
            ReleaseLease(lease);
            throw;
        }
    }

    private async Task SaveOciLayoutAsync(TarWriter writer, List<(ImageRow Image, string? Tag, string ManifestMediaType)> images, CancellationToken cancellationToken)
    {
        await WriteTextAsync(writer, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", cancellationToken);
        var manifests = new JsonArray();
        var written = new HashSet<Digest>();
        await WriteDirectoryAsync(writer, "blobs/", cancellationToken);
        await WriteDirectoryAsync(writer, "blobs/sha256/", cancellationToken);
        foreach (var (image, tag, mediaType) in images)
        {
            var manifest = ImageManifest.Parse(await ReadBlobAsync(image.ManifestDigest, cancellationToken));
            foreach (var digest in manifest.Layers.Select(l => l.Digest).Append(manifest.Config.Digest).Append(image.ManifestDigest))
            {
                if (written.Add(digest))
                {
                    await WriteBlobEntryAsync(writer, $"blobs/{digest.Algorithm}/{digest.Hex}", digest, cancellationToken);
                }
            }

            var entry = new JsonObject { ["mediaType"] = mediaType, ["digest"] = image.ManifestDigest.ToString(), ["size"] = _blobs.SizeOf(image.ManifestDigest) };
            if (tag is not null)
            {
                var reference = ImageReference.Parse(tag);
                entry["annotations"] = new JsonObject { [ContainerdNameAnnotation] = reference.ToString(), [RefNameAnnotation] = reference.Tag };
            }

            manifests.Add(entry);
        }

        var index = new JsonObject { ["schemaVersion"] = 2, ["mediaType"] = MediaTypes.OciIndex, ["manifests"] = manifests };
        await WriteTextAsync(writer, "index.json", index.ToJsonString(), cancellationToken);
    }

    private async Task SaveDockerArchiveAsync(TarWriter writer, List<(ImageRow Image, string? Tag, string ManifestMediaType)> images, CancellationToken cancellationToken)
    {
        var entries = new JsonArray();
        var repositories = new SortedDictionary<string, SortedDictionary<string, string>>(StringComparer.Ordinal);
        var written = new HashSet<string>(StringComparer.Ordinal);
        foreach (var group in images.GroupBy(i => i.Image.Id))
        {
            var image = group.First().Image;
            var tags = group.Select(g => g.Tag).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
            var manifest = ImageManifest.Parse(await ReadBlobAsync(image.ManifestDigest, cancellationToken));
            var config = ImageConfig.Parse(await ReadBlobAsync(image.Id, cancellationToken));
            var configName = image.Id.Hex + ".json";
            if (written.Add(configName))
            {
                await WriteBlobEntryAsync(writer, configName, image.Id, cancellationToken);
            }

            var layerPaths = new JsonArray();
            for (var i = 0; i < manifest.Layers.Count; i++)
            {
                var diffId = config.RootFs.DiffIds[i];
                var directory = diffId.Hex;
                var path = directory + "/layer.tar";
                layerPaths.Add(path);
                if (!written.Add(path))
                {
                    continue;
                }

                await WriteDirectoryAsync(writer, directory + "/", cancellationToken);
                await WriteTextAsync(writer, directory + "/VERSION", "1.0", cancellationToken);
                await WriteUncompressedLayerAsync(writer, path, manifest.Layers[i], diffId, cancellationToken);
            }

            var familiarTags = tags.Select(t => ImageReference.Parse(t).Familiar).ToList();
            entries.Add(new JsonObject
            {
                ["Config"] = configName,
                ["RepoTags"] = familiarTags.Count == 0 ? null : new JsonArray(familiarTags.Select(t => (JsonNode)JsonValue.Create(t)!).ToArray()),
                ["Layers"] = layerPaths,
            });
            foreach (var tag in tags)
            {
                var reference = ImageReference.Parse(tag);
                if (!repositories.TryGetValue(reference.FamiliarRepository, out var byTag))
                {
                    repositories[reference.FamiliarRepository] = byTag = new SortedDictionary<string, string>(StringComparer.Ordinal);
                }

                byTag[reference.Tag ?? ImageReference.DefaultTag] = config.RootFs.DiffIds.Count > 0 ? config.RootFs.DiffIds[^1].Hex : image.Id.Hex;
            }
        }

        await WriteTextAsync(writer, "manifest.json", entries.ToJsonString(), cancellationToken);
        if (repositories.Count > 0)
        {
            await WriteTextAsync(writer, "repositories", JsonSerializer.Serialize(repositories), cancellationToken);
        }
    }

    private async Task WriteUncompressedLayerAsync(TarWriter writer, string path, Descriptor layer, Digest diffId, CancellationToken cancellationToken)
    {
        var compression = MediaTypes.CompressionOf(layer.MediaType);
        if (compression == LayerCompression.None)
        {
            await WriteBlobEntryAsync(writer, path, layer.Digest, cancellationToken);
            return;
        }

        if (compression != LayerCompression.Gzip)
        {
            throw new NotSupportedException($"layer {layer.Digest} is {compression}-compressed, which a docker-archive cannot carry here; save with --format oci");
        }

        // A tar entry needs its length up front: decompress into a scratch file first, checking the diff ID on the way.
        var scratch = Path.Combine(_blobs.IngestDirectory, $"save.{Environment.ProcessId}.{Guid.NewGuid():N}");
        try
        {
            await using (var input = OpenBlob(layer.Digest))
            await using (var gzip = new GZipStream(input, CompressionMode.Decompress))
            await using (var output = new FileStream(scratch, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.Asynchronous))
            {
                using var hasher = diffId.CreateHasher();
                var buffer = new byte[1 << 20];
                int read;
                while ((read = await gzip.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    hasher.AppendData(buffer, 0, read);
                    await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }

                var actual = diffId.FromHasher(hasher);
                if (actual != diffId)
                {
                    throw new StoreCorruptException($"layer {layer.Digest} decompresses to {actual}, not its diff ID {diffId} (run longshore fsck)");
                }
            }

            await using var file = new FileStream(scratch, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous);
            await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, path) { DataStream = file, ModificationTime = ArchiveTime, Mode = (UnixFileMode)0x1A4 }, cancellationToken);
        }
        finally
        {
            File.Delete(scratch);
        }
    }

    private async Task WriteBlobEntryAsync(TarWriter writer, string path, Digest digest, CancellationToken cancellationToken)
    {
        await using var stream = OpenBlob(digest);
        await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, path) { DataStream = stream, ModificationTime = ArchiveTime, Mode = (UnixFileMode)0x1A4 }, cancellationToken);
    }

    private static async Task WriteTextAsync(TarWriter writer, string path, string text, CancellationToken cancellationToken)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text));
        await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, path) { DataStream = stream, ModificationTime = ArchiveTime, Mode = (UnixFileMode)0x1A4 }, cancellationToken);
    }

    private static Task WriteDirectoryAsync(TarWriter writer, string path, CancellationToken cancellationToken) =>
        writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, path) { ModificationTime = ArchiveTime, Mode = (UnixFileMode)0x1ED }, cancellationToken);

    private static async Task<List<LoadedImage>> ReadOciLayoutAsync(string folder, CancellationToken cancellationToken)
    {
        var index = ImageIndex.Parse(await File.ReadAllBytesAsync(Path.Combine(folder, "index.json"), cancellationToken));
        var images = new List<LoadedImage>();
        foreach (var entry in index.Manifests)
        {
            var names = new List<string>();
            var name = entry.Annotations?.GetValueOrDefault(ContainerdNameAnnotation) ?? entry.Annotations?.GetValueOrDefault(RefNameAnnotation);
            // A bare tag ("1.0") names no repository: such an image loads untagged.
            if (name is not null && (name.Contains('/', StringComparison.Ordinal) || name.Contains(':', StringComparison.Ordinal)) && ImageReference.TryParse(name, out var reference) && reference?.Digest is null)
            {
                names.Add(reference!.ToString());
            }

            var descriptor = entry;
            if (MediaTypes.IsIndex(entry.MediaType))
            {
                var nested = ImageIndex.Parse(await ReadVerifiedAsync(folder, entry, cancellationToken));
                descriptor = nested.FindManifest(Platform.Host) ?? nested.Manifests.FirstOrDefault(m => MediaTypes.IsManifest(m.MediaType))
                    ?? throw new InvalidDataException($"index {entry.Digest} in the archive has no image manifest for {Platform.Host}");
            }

            images.Add(await ReadImageAsync(folder, descriptor, names, cancellationToken));
        }

        return images;
    }

    private static async Task<LoadedImage> ReadImageAsync(string folder, Descriptor descriptor, List<string> names, CancellationToken cancellationToken)
    {
        var manifestBytes = await ReadVerifiedAsync(folder, descriptor, cancellationToken);
        var document = ManifestDocument.Parse(manifestBytes, descriptor.MediaType);
        var manifest = document.Manifest ?? throw new InvalidDataException($"{descriptor.Digest} in the archive is not an image manifest");
        var configBytes = await ReadVerifiedAsync(folder, manifest.Config, cancellationToken);
        var config = ImageConfig.Parse(configBytes);
        if (config.RootFs.DiffIds.Count != manifest.Layers.Count)
        {
            throw new InvalidDataException($"image {manifest.Config.Digest} in the archive lists {manifest.Layers.Count} layers but {config.RootFs.DiffIds.Count} diff IDs");
        }

        var files = new Dictionary<Digest, string>
        {
            [descriptor.Digest] = BlobPath(folder, descriptor.Digest),
            [manifest.Config.Digest] = BlobPath(folder, manifest.Config.Digest),
        };
        foreach (var layer in manifest.Layers)
        {
            var path = BlobPath(folder, layer.Digest);
            await VerifyFileAsync(path, layer.Digest, layer.Size, cancellationToken);
            files[layer.Digest] = path;
        }

        return new LoadedImage(document, config, configBytes.LongLength, names, files);
    }

    /// <summary>The Config, Layers and RepoTags of each manifest.json entry; any other shape is an error naming what is wrong.</summary>
    private static List<(string Config, List<string> Layers, List<string> RepoTags)> ReadDockerManifest(string json)
    {
        JsonNode? document;
        try
        {
            document = JsonNode.Parse(json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"manifest.json in the archive is not valid JSON: {e.Message}", e);
        }

        if (document is not JsonArray entries)
        {
            throw new InvalidDataException("manifest.json in the archive is not a JSON array of images");
        }

        static string Text(JsonNode? node, string what) =>
            node is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0
                ? text
                : throw new InvalidDataException($"manifest.json in the archive: {what} must be a non-empty string");

        static List<string> List(JsonNode? node, string what) => node switch
        {
            null => [],
            JsonArray items => items.Select((item, j) => Text(item, $"{what}[{j}]")).ToList(),
            _ => throw new InvalidDataException($"manifest.json in the archive: {what} must be a list of strings"),
        };

        return entries.Select((entry, i) => entry is JsonObject image
            ? (Text(image["Config"], $"entry {i} Config"), List(image["Layers"], $"entry {i} Layers"), List(image["RepoTags"], $"entry {i} RepoTags"))
            : throw new InvalidDataException($"manifest.json in the archive: entry {i} is not an object")).ToList();
    }

    private static async Task<List<LoadedImage>> ReadDockerArchiveAsync(string folder, CancellationToken cancellationToken)
    {
        var images = new List<LoadedImage>();
        foreach (var (configName, layerNames, repoTags) in ReadDockerManifest(await File.ReadAllTextAsync(Path.Combine(folder, "manifest.json"), cancellationToken)))
        {
            var configPath = ArchiveExtractor.Inside(folder, configName);
            if (!File.Exists(configPath))
            {
                throw new InvalidDataException($"manifest.json names config '{configName}', which the archive lacks");
            }

            var configBytes = await File.ReadAllBytesAsync(configPath, cancellationToken);
            var configDigest = Digest.Compute(configBytes);
            var config = ImageConfig.Parse(configBytes);
            var layerPaths = layerNames.Select(l => ArchiveExtractor.Inside(folder, l)).ToList();
            if (layerPaths.Count != config.RootFs.DiffIds.Count)
            {
                throw new InvalidDataException($"image {configDigest} in the archive has {layerPaths.Count} layers but its config lists {config.RootFs.DiffIds.Count} diff IDs");
            }

            var files = new Dictionary<Digest, string> { [configDigest] = configPath };
            var layers = new JsonArray();
            for (var i = 0; i < layerPaths.Count; i++)
            {
                var (digest, size, mediaType) = await DescribeDockerLayerAsync(layerPaths[i], config.RootFs.DiffIds[i], cancellationToken);
                files[digest] = layerPaths[i];
                layers.Add(new JsonObject { ["mediaType"] = mediaType, ["digest"] = digest.ToString(), ["size"] = size });
            }

            var manifestJson = new JsonObject
            {
                ["schemaVersion"] = 2,
                ["mediaType"] = MediaTypes.OciManifest,
                ["config"] = new JsonObject { ["mediaType"] = MediaTypes.OciConfig, ["digest"] = configDigest.ToString(), ["size"] = configBytes.LongLength },
                ["layers"] = layers,
            };
            var manifestBytes = Encoding.UTF8.GetBytes(manifestJson.ToJsonString());
            var document = ManifestDocument.Parse(manifestBytes, MediaTypes.OciManifest);
            var manifestPath = Path.Combine(folder, $"manifest.{document.Digest.Hex}.json");
            await File.WriteAllBytesAsync(manifestPath, manifestBytes, cancellationToken);
            files[document.Digest] = manifestPath;
            var names = repoTags.Select(t => ImageReference.Parse(t).ToString()).ToList();
            images.Add(new LoadedImage(document, config, configBytes.LongLength, names, files));
        }

        return images;
    }

    /// <summary>A docker-archive layer is a tar, possibly gzip'd: its blob digest, size and media type, after checking it against its diff ID.</summary>
    private static async Task<(Digest Digest, long Size, string MediaType)> DescribeDockerLayerAsync(string path, Digest diffId, CancellationToken cancellationToken)
    {
        var size = new FileInfo(path).Length;
        bool gzipped;
        await using (var probe = File.OpenRead(path))
        {
            var magic = new byte[2];
            gzipped = await probe.ReadAsync(magic, cancellationToken) == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
        }

        await using var file = File.OpenRead(path);
        if (!gzipped)
        {
            var digest = await Digest.ComputeAsync(file, diffId.Algorithm, cancellationToken);
            return digest == diffId
                ? (digest, size, MediaTypes.OciLayer)
                : throw new InvalidDataException($"layer {Path.GetFileName(Path.GetDirectoryName(path))}/{Path.GetFileName(path)} hashes to {digest}, not its diff ID {diffId}");
        }

        await using var gzip = new GZipStream(file, CompressionMode.Decompress);
        var uncompressed = await Digest.ComputeAsync(gzip, diffId.Algorithm, cancellationToken);
        if (uncompressed != diffId)
        {
            throw new InvalidDataException($"layer {path} decompresses to {uncompressed}, not its diff ID {diffId}");
        }

        await using var again = File.OpenRead(path);
        return (await Digest.ComputeAsync(again, Digest.Sha256, cancellationToken), size, MediaTypes.OciLayerGzip);
    }

    private static string BlobPath(string folder, Digest digest) => ArchiveExtractor.Inside(folder, $"blobs/{digest.Algorithm}/{digest.Hex}");

    private static async Task<byte[]> ReadVerifiedAsync(string folder, Descriptor descriptor, CancellationToken cancellationToken)
    {
        var path = BlobPath(folder, descriptor.Digest);
        if (!File.Exists(path))
        {
            throw new InvalidDataException($"the archive lacks blob {descriptor.Digest}");
        }

        var bytes = await File.ReadAllBytesAsync(path, cancellationToken);
        var actual = Digest.Compute(bytes);
        if (actual != descriptor.Digest || bytes.LongLength != descriptor.Size)
        {
            throw new InvalidDataException($"blob {descriptor.Digest} in the archive is damaged: it hashes to {actual} and has {bytes.LongLength} bytes (expected {descriptor.Size})");
        }

        return bytes;
    }

    private static async Task VerifyFileAsync(string path, Digest digest, long size, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            throw new InvalidDataException($"the archive lacks blob {digest}");
        }

        await using var file = File.OpenRead(path);
        var actual = await Digest.ComputeAsync(file, digest.Algorithm, cancellationToken);
        if (actual != digest || file.Length != size)
        {
            throw new InvalidDataException($"blob {digest} in the archive is damaged: it hashes to {actual} and has {file.Length} bytes (expected {size})");
        }
    }
}
