using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Longshore.Oci;

/// <summary>A content digest such as <c>sha256:9f86…</c>. Only sha256 and sha512 are accepted, as the OCI spec registers.</summary>
[JsonConverter(typeof(DigestJsonConverter))]
public readonly record struct Digest
{
    public const string Sha256 = "sha256";
    public const string Sha512 = "sha512";

    private Digest(string algorithm, string hex)
    {
        Algorithm = algorithm;
        Hex = hex;
    }

    public string Algorithm { get; }

    public string Hex { get; }

    /// <summary>Short form used in listings: the first 12 hex characters, as <c>docker image ls</c> shows IDs.</summary>
    public string Short => Hex.Length > 12 ? Hex[..12] : Hex;

    public static Digest Parse(string value)
    {
        var error = TryParseCore(value, out var digest);
        return error is null ? digest : throw new OciFormatException("digest", error);
    }

    public static bool TryParse(string? value, out Digest digest) => TryParseCore(value, out digest) is null;

    public static Digest Create(string algorithm, string hex) => Parse(algorithm + ":" + hex);

    public static Digest Compute(ReadOnlySpan<byte> content)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(content, hash);
        return new Digest(Sha256, Convert.ToHexStringLower(hash));
    }

    public static async Task<Digest> ComputeAsync(Stream content, string algorithm = Sha256, CancellationToken cancellationToken = default)
    {
        var hash = algorithm switch
        {
            Sha256 => await SHA256.HashDataAsync(content, cancellationToken),
            Sha512 => await SHA512.HashDataAsync(content, cancellationToken),
            _ => throw new OciFormatException("digest", $"unsupported digest algorithm '{algorithm}': expected sha256 or sha512"),
        };
        return new Digest(algorithm, Convert.ToHexStringLower(hash));
    }

    /// <summary>An incremental hasher for this digest's algorithm, for verifying content while it streams.</summary>
    public IncrementalHash CreateHasher() => Algorithm switch
    {
        Sha512 => IncrementalHash.CreateHash(HashAlgorithmName.SHA512),
        _ => IncrementalHash.CreateHash(HashAlgorithmName.SHA256),
    };

    /// <summary>Completes <paramref name="hasher"/> and returns the digest it computed in this digest's algorithm.</summary>
    public Digest FromHasher(IncrementalHash hasher) => new(Algorithm, Convert.ToHexStringLower(hasher.GetHashAndReset()));

    public override string ToString() => Algorithm is null ? string.Empty : Algorithm + ":" + Hex;

    public bool IsEmpty => Algorithm is null;

    private static string? TryParseCore(string? value, out Digest digest)
    {
        digest = default;
        if (string.IsNullOrEmpty(value))
            return "digest is empty: expected algorithm:hex such as sha256:<64 hex characters>";
        var colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
            return $"digest '{value}' has no algorithm: expected algorithm:hex such as sha256:<64 hex characters>";
        var algorithm = value[..colon];
        var hex = value[(colon + 1)..];
        var expected = algorithm switch
        {
            Sha256 => 64,
            Sha512 => 128,
            _ => 0,
        };
        if (expected == 0)
            return $"digest '{value}' uses unsupported algorithm '{algorithm}': expected sha256 or sha512";
        if (hex.Length != expected)
            return $"digest '{value}' has {hex.Length} hex characters: {algorithm} needs {expected}";
        foreach (var c in hex)
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
                return $"digest '{value}' contains '{c}': expected lowercase hex";
        }

        digest = new Digest(algorithm, hex);
        return null;
    }
}

internal sealed class DigestJsonConverter : JsonConverter<Digest>
{
    public override Digest Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        return Digest.TryParse(text, out var digest) ? digest : throw new JsonException($"invalid digest '{text}'");
    }

    public override void Write(Utf8JsonWriter writer, Digest value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}
