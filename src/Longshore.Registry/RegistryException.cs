using System.Net;

namespace Longshore.Registry;

/// <summary>A registry refused or failed a request. <see cref="ErrorCode"/> is the distribution error code when one came back (e.g. MANIFEST_UNKNOWN, UNAUTHORIZED).</summary>
public class RegistryException : Exception
{
    public RegistryException(string message, HttpStatusCode? statusCode = null, string? errorCode = null, Exception? inner = null)
        : base(message, inner)
    {
        StatusCode = statusCode;
        ErrorCode = errorCode;
    }

    public RegistryException()
    {
    }

    public RegistryException(string message)
        : base(message)
    {
    }

    public RegistryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public HttpStatusCode? StatusCode { get; }

    public string? ErrorCode { get; }
}
