namespace Longshore.Oci;

/// <summary>
/// Input that does not follow an OCI/Docker grammar. <see cref="Part"/> names the offending part
/// (for example "tag", "digest", "repository path component") so callers can point the user at it.
/// </summary>
public sealed class OciFormatException : FormatException
{
    public OciFormatException(string part, string message)
        : base(message) => Part = part;

    public OciFormatException(string part, string message, Exception inner)
        : base(message, inner) => Part = part;

    public string Part { get; }
}
