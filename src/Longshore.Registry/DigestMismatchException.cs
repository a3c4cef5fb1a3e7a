using Longshore.Oci;

namespace Longshore.Registry;

/// <summary>Content did not hash to (or was not the size of) what its descriptor promised.</summary>
public sealed class DigestMismatchException : RegistryException
{
    public DigestMismatchException(Digest expected, string actual, string message)
        : base(message)
    {
        Expected = expected;
        Actual = actual;
    }

    public DigestMismatchException()
    {
    }

    public DigestMismatchException(string message)
        : base(message)
    {
    }

    public DigestMismatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public Digest Expected { get; }

    public string Actual { get; } = string.Empty;
}
