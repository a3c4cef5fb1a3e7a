using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Longshore.Oci;

namespace Longshore.TestBed;

/// <summary>
/// Builds small real images in memory: gzip'd tar layers, an image config with rootfs.diff_ids, and a manifest.
/// The same inputs always give the same digests (fixed mtimes, owners and gzip output).
/// </summary>
public sealed class TestImageBuilder
{
    private static readonly DateTimeOffset Epoch = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly List<BuiltLayer> _layers = [];
    private readonly SortedDictionary<string, string> _labels = new(StringComparer.Ordinal);
    private Platform _platform = new("linux", "amd64");
    private DateTimeOffset _created = Epoch;
    private bool _docker;
    private JsonArray? _entrypoint;
    private readonly List<(int Position, string CreatedBy, string? Comment)> _emptySteps = [];
    private readonly Dictionary<int, string> _layerSteps = [];

    public TestImageBuilder WithPlatform(string platform)
    {
        _platform = Platform.Parse(platform);
        return this;
    }

    public TestImageBuilder WithLabel(string key, string value)
    {
        _labels[key] = value;
        return this;
    }

    public TestImageBuilder WithCreated(DateTimeOffset created)
    {
        _created = created;
        return this;
    }

    /// <summary>Adds a history step that made no layer (ENV, CMD, LABEL …), after the layers added so far.</summary>
    public TestImageBuilder WithEmptyStep(string createdBy, string? comment = null)
    {
        _emptySteps.Add((_layers.Count, createdBy, comment));
        return this;
    }

    /// <summary>Sets the history's <c>created_by</c> of the last layer added (default <c>layer N</c>).</summary>
    public TestImageBuilder WithCreatedBy(string createdBy)
    {
        _layerSteps[_layers.Count - 1] = createdBy;
        return this;
    }

    /// <summary>Adds a layer holding one text file.</summary>
    public TestImageBuilder WithFile(string path, string content) =>
        WithLayer(new Dictionary<string, byte[]> { [path] = Encoding.UTF8.GetBytes(content) });

    public TestImageBuilder WithLayer(IReadOnlyDictionary<string, byte[]> files)
    {
        _layers.Add(BuildLayer(files, CompressionLevel.Optimal));
        return this;
    }

    /// <summary>Adds a layer holding one executable file (mode 0755), e.g. a static binary.</summary>
    public TestImageBuilder WithExecutable(string path, byte[] content)
    {
        _layers.Add(BuildLayer(new Dictionary<string, byte[]> { [path] = content }, CompressionLevel.Optimal, executable: true));
        return this;
    }

    /// <summary>Sets the config's Entrypoint (and clears its Cmd), so containers run without a command of their own.</summary>
    public TestImageBuilder WithEntrypoint(params string[] entrypoint)
    {
        _entrypoint = new JsonArray(entrypoint.Select(e => (JsonNode)JsonValue.Create(e)!).ToArray());
        return this;
    }

    /// <summary>Adds a layer of about <paramref name="size"/> incompressible bytes, the same for the same seed.</summary>
    public TestImageBuilder WithRandomLayer(int size, int seed)
    {
        var content = new byte[size];
        new Random(seed).NextBytes(content);
        _layers.Add(BuildLayer(new Dictionary<string, byte[]> { [$"data/random-{seed}.bin"] = content }, CompressionLevel.Fastest));
        return this;
    }

    /// <summary>Reuses a layer of another image, as images built from the same base share layers.</summary>
    public TestImageBuilder WithSharedLayer(BuiltLayer layer)
    {
        _layers.Add(layer);
        return this;
    }

    public TestImageBuilder UseDockerMediaTypes()
    {
        _docker = true;
        return this;
    }

    public BuiltImage Build()
    {
        if (_layers.Count == 0)
        {
            WithFile("etc/longshore-test", "empty image");
        }

        var layerType = _docker ? MediaTypes.DockerLayer : MediaTypes.OciLayerGzip;
        var layers = _layers.Select(l => l with { MediaType = layerType }).ToList();
        var config = new JsonObject
        {
            ["created"] = _created.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
            ["architecture"] = _platform.Architecture,
            ["os"] = _platform.Os,
        };
        if (_platform.Variant is not null)
        {
            config["variant"] = _platform.Variant;
        }

        var labels = new JsonObject();
        foreach (var (key, value) in _labels)
        {
            labels[key] = value;
        }

        config["config"] = _entrypoint is null
            ? new JsonObject { ["Env"] = new JsonArray("PATH=/usr/local/bin:/usr/bin:/bin"), ["Cmd"] = new JsonArray("/bin/sh"), ["Labels"] = labels }
            : new JsonObject { ["Env"] = new JsonArray("PATH=/usr/local/bin:/usr/bin:/bin"), ["Entrypoint"] = _entrypoint, ["Labels"] = labels };
        config["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray(layers.Select(l => (JsonNode)JsonValue.Create(l.DiffId.ToString())!).ToArray()) };
        config["history"] = History(config["created"]!.GetValue<string>(), layers.Count);
        var configBytes = Encoding.UTF8.GetBytes(config.ToJsonString());
        var configDigest = Digest.Compute(configBytes);
        var configType = _docker ? MediaTypes.DockerConfig : MediaTypes.OciConfig;
        var manifestType = _docker ? MediaTypes.DockerManifest : MediaTypes.OciManifest;
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = manifestType,
            ["config"] = Descriptor(configType, configDigest, configBytes.LongLength),
            ["layers"] = new JsonArray(layers.Select(l => (JsonNode)Descriptor(l.MediaType, l.Digest, l.Size)).ToArray()),
        };
        var manifestBytes = Encoding.UTF8.GetBytes(manifest.ToJsonString());
        return new BuiltImage(manifestBytes, Digest.Compute(manifestBytes), manifestType, configBytes, configDigest, configType, layers, _platform);
    }

    private JsonArray History(string created, int layerCount)
    {
        var history = new JsonArray();
        for (var i = 0; i <= layerCount; i++)
        {
            foreach (var (_, createdBy, comment) in _emptySteps.Where(s => s.Position == i))
            {
                var step = new JsonObject { ["created"] = created, ["created_by"] = createdBy };
                if (comment is not null)
                {
                    step["comment"] = comment;
                }

                step["empty_layer"] = true;
                history.Add(step);
            }

            if (i < layerCount)
            {
                history.Add(new JsonObject { ["created"] = created, ["created_by"] = _layerSteps.GetValueOrDefault(i, $"layer {i}") });
            }
        }

        return history;
    }

    internal static JsonObject Descriptor(string mediaType, Digest digest, long size) =>
        new() { ["mediaType"] = mediaType, ["digest"] = digest.ToString(), ["size"] = size };

    private static BuiltLayer BuildLayer(IReadOnlyDictionary<string, byte[]> files, CompressionLevel level, bool executable = false)
    {
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            var directories = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var path in files.Keys)
            {
                var parts = path.Split('/');
                for (var i = 1; i < parts.Length; i++)
                {
                    directories.Add(string.Join('/', parts[..i]) + "/");
                }
            }

            foreach (var directory in directories)
            {
                writer.WriteEntry(new PaxTarEntry(TarEntryType.Directory, directory, Fixed()) { ModificationTime = Epoch, Mode = (UnixFileMode)0x1ED });
            }

            foreach (var (path, content) in files.OrderBy(f => f.Key, StringComparer.Ordinal))
            {
                var entry = new PaxTarEntry(TarEntryType.RegularFile, path, Fixed())
                {
                    ModificationTime = Epoch,
                    Mode = (UnixFileMode)(executable ? 0x1ED : 0x1A4),
                    DataStream = new MemoryStream(content, writable: false),
                };
                writer.WriteEntry(entry);
            }
        }

        var uncompressed = tar.ToArray();
        using var gzipped = new MemoryStream();
        using (var gzip = new GZipStream(gzipped, level, leaveOpen: true))
        {
            gzip.Write(uncompressed);
        }

        var blob = gzipped.ToArray();
        return new BuiltLayer(Digest.Compute(blob), Digest.Compute(uncompressed), blob.LongLength, MediaTypes.OciLayerGzip, blob);
    }

    // Pax headers would otherwise carry the current time (atime/ctime); fixed values keep digests stable.
    private static Dictionary<string, string> Fixed() => new() { ["atime"] = "1704067200", ["ctime"] = "1704067200" };
}
