using System.Text.RegularExpressions;

namespace Longshore.Oci;

/// <summary>
/// An image reference in Docker's grammar (<c>[host[:port]/]path[:tag][@digest]</c>), normalised the way Docker
/// normalises it: <c>alpine</c> is <c>docker.io/library/alpine:latest</c> and <c>index.docker.io</c> is <c>docker.io</c>.
/// </summary>
public sealed partial record ImageReference
{
    public const string DefaultDomain = "docker.io";
    public const string DefaultTag = "latest";
    private const int MaxNameLength = 255;

    private ImageReference(string domain, string path, string? tag, Digest? digest)
    {
        Domain = domain;
        Path = path;
        Tag = tag;
        Digest = digest;
    }

    /// <summary>Registry host, with port when given (<c>docker.io</c>, <c>127.0.0.1:5000</c>).</summary>
    public string Domain { get; }

    /// <summary>Repository path inside the registry (<c>library/alpine</c>).</summary>
    public string Path { get; }

    public string? Tag { get; }

    public Digest? Digest { get; }

    /// <summary>Fully qualified repository name: <c>docker.io/library/alpine</c>.</summary>
    public string Repository => Domain + "/" + Path;

    /// <summary>The short name Docker shows: <c>alpine</c>, <c>user/app</c>, <c>127.0.0.1:5000/app</c>.</summary>
    public string FamiliarRepository
    {
        get
        {
            if (Domain != DefaultDomain)
                return Repository;
            return Path.StartsWith("library/", StringComparison.Ordinal) && Path.IndexOf('/', 8) < 0 ? Path[8..] : Path;
        }
    }

    /// <summary>The familiar short form with tag and digest when present.</summary>
    public string Familiar => FamiliarRepository + Suffix;

    private string Suffix => (Tag is null ? string.Empty : ":" + Tag) + (Digest is { } d ? "@" + d : string.Empty);

    /// <summary>Parses and normalises; a reference with neither tag nor digest gets <c>:latest</c>.</summary>
    public static ImageReference Parse(string value) => Parse(value, defaultTag: true);

    /// <summary>Parses and normalises; with <paramref name="defaultTag"/> false a missing tag stays missing.</summary>
    public static ImageReference Parse(string value, bool defaultTag)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length == 0)
            throw new OciFormatException("reference", "image reference is empty");
        if (value.Any(char.IsWhiteSpace))
            throw new OciFormatException("reference", $"image reference '{value}' contains whitespace");

        var rest = value;
        Digest? digest = null;
        var at = rest.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            var digestText = rest[(at + 1)..];
            try
            {
                digest = Oci.Digest.Parse(digestText);
            }
            catch (OciFormatException e)
            {
                throw new OciFormatException("digest", $"image reference '{value}': {e.Message}", e);
            }

            rest = rest[..at];
        }

        string? tag = null;
        var lastSlash = rest.LastIndexOf('/');
        var colon = rest.LastIndexOf(':');
        if (colon > lastSlash)
        {
            tag = rest[(colon + 1)..];
            rest = rest[..colon];
            if (!TagPattern().IsMatch(tag))
                throw new OciFormatException("tag", $"image reference '{value}' has invalid tag '{tag}': a tag is 1-128 characters of letters, digits, '_', '.' and '-', not starting with '.' or '-'");
        }

        if (rest.Length == 0)
            throw new OciFormatException("repository", $"image reference '{value}' has no repository name");

        var (domain, path) = SplitDomain(rest, value);
        ValidatePath(path, value);
        if (domain.Length + 1 + path.Length > MaxNameLength)
            throw new OciFormatException("repository", $"image reference '{value}': repository name must not be longer than {MaxNameLength} characters");

        if (tag is null && digest is null && defaultTag)
            tag = DefaultTag;
        return new ImageReference(domain, path, tag, digest);
    }

    public static bool TryParse(string? value, out ImageReference? reference)
    {
        reference = null;
        if (value is null)
            return false;
        try
        {
            reference = Parse(value);
            return true;
        }
        catch (OciFormatException)
        {
            return false;
        }
    }

    public ImageReference WithTag(string? tag) => tag is not null && !TagPattern().IsMatch(tag)
        ? throw new OciFormatException("tag", $"invalid tag '{tag}'")
        : new ImageReference(Domain, Path, tag, Digest);

    public ImageReference WithDigest(Digest? digest) => new(Domain, Path, Tag, digest);

    /// <summary>The repository alone, without tag or digest.</summary>
    public ImageReference RepositoryOnly() => new(Domain, Path, null, null);

    /// <summary>What to ask the registry for: the digest when pinned, else the tag.</summary>
    public string Identifier => Digest?.ToString() ?? Tag ?? DefaultTag;

    public override string ToString() => Repository + Suffix;

    private static (string Domain, string Path) SplitDomain(string name, string original)
    {
        var slash = name.IndexOf('/', StringComparison.Ordinal);
        string domain, path;
        if (slash < 0)
        {
            domain = DefaultDomain;
            path = name;
        }
        else
        {
            var first = name[..slash];
            var isDomain = first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost" || first.Any(char.IsAsciiLetterUpper);
            if (isDomain)
            {
                domain = first;
                path = name[(slash + 1)..];
                ValidateDomain(domain, original);
            }
            else
            {
                domain = DefaultDomain;
                path = name;
            }
        }

        if (domain == "index.docker.io")
            domain = DefaultDomain;
        if (domain == DefaultDomain && !path.Contains('/', StringComparison.Ordinal))
            path = "library/" + path;
        return (domain, path);
    }

    private static void ValidateDomain(string domain, string original)
    {
        if (domain.StartsWith('['))
        {
            if (!Ipv6DomainPattern().IsMatch(domain))
                throw new OciFormatException("registry host", $"image reference '{original}' has invalid registry host '{domain}'");
            return;
        }

        var colon = domain.LastIndexOf(':');
        var host = colon >= 0 ? domain[..colon] : domain;
        if (colon >= 0)
        {
            var port = domain[(colon + 1)..];
            if (port.Length == 0 || !port.All(char.IsAsciiDigit) || !int.TryParse(port, out var p) || p is < 1 or > 65535)
                throw new OciFormatException("registry port", $"image reference '{original}' has invalid registry port '{port}': expected a number from 1 to 65535");
        }

        if (!HostPattern().IsMatch(host))
            throw new OciFormatException("registry host", $"image reference '{original}' has invalid registry host '{host}': expected DNS labels of letters, digits and '-' separated by '.'");
    }

    private static void ValidatePath(string path, string original)
    {
        foreach (var component in path.Split('/'))
        {
            if (component.Length == 0)
                throw new OciFormatException("repository path component", $"image reference '{original}' has an empty path component");
            if (component.Any(char.IsAsciiLetterUpper))
                throw new OciFormatException("repository path component", $"image reference '{original}': repository name must be lowercase ('{component}')");
            if (!PathComponentPattern().IsMatch(component))
                throw new OciFormatException("repository path component", $"image reference '{original}' has invalid path component '{component}': expected lowercase letters and digits, separated by '.', '_', '__' or '-'");
        }
    }

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex TagPattern();

    [GeneratedRegex(@"^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex PathComponentPattern();

    [GeneratedRegex(@"^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*$", RegexOptions.CultureInvariant)]
    private static partial Regex HostPattern();

    [GeneratedRegex(@"^\[[a-fA-F0-9:]+\](?::[0-9]{1,5})?$", RegexOptions.CultureInvariant)]
    private static partial Regex Ipv6DomainPattern();
}
