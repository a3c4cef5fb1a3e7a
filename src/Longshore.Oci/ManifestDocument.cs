using System.Text.Json;

namespace Longshore.Oci;

/// <summary>
/// A manifest or index as fetched, with its exact bytes (the digest covers those bytes, so they are never re-serialised).
/// </summary>
public sealed record ManifestDocument
{
    private ManifestDocument(string mediaType, ReadOnlyMemory<byte> content, Digest digest, ImageManifest? manifest, ImageIndex? index)
    {
        MediaType = mediaType;
        Content = content;
        Digest = digest;
        Manifest = manifest;
        Index = index;
    }

    public string MediaType { get; }

    public ReadOnlyMemory<byte> Content { get; }

    public Digest Digest { get; }

    public ImageManifest? Manifest { get; }

    public ImageIndex? Index { get; }

    public bool IsIndex => Index is not null;

    /// <summary>
    /// Parses <paramref name="content"/>; the media type comes from the document itself when present, else from the
    /// transport's <paramref name="contentType"/>, else from its shape (a <c>manifests</c> array means an index).
    /// </summary>
    public static ManifestDocument Parse(ReadOnlyMemory<byte> content, string? contentType = null)
    {
        string? declared = null;
        var hasManifests = false;
        try
        {
            using var doc = JsonDocument.Parse(content);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new OciFormatException("manifest", "manifest is not a JSON object");
            if (doc.RootElement.TryGetProperty("mediaType", out var mt) && mt.ValueKind == JsonValueKind.String)
                declared = mt.GetString();
            hasManifests = doc.RootElement.TryGetProperty("manifests", out _);
        }
        catch (JsonException e)
        {
            throw new OciFormatException("manifest", $"manifest is not valid JSON: {e.Message}", e);
        }

        var mediaType = declared ?? (MediaTypes.AllManifests.Contains(contentType) ? contentType! : hasManifests ? MediaTypes.OciIndex : MediaTypes.OciManifest);
        var digest = Digest.Compute(content.Span);
        if (MediaTypes.IsIndex(mediaType))
            return new ManifestDocument(mediaType, content, digest, null, ImageIndex.Parse(content.Span));
        if (MediaTypes.IsManifest(mediaType))
            return new ManifestDocument(mediaType, content, digest, ImageManifest.Parse(content.Span), null);
        throw new OciFormatException("manifest", $"unsupported manifest media type '{mediaType}'");
    }
}
