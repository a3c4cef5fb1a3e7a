using System.Net;
using Longshore.Registry;

namespace Longshore.Runtime;

/// <summary>The kind of a registry failure, from the status code and distribution error code the registry sent.</summary>
internal static class RegistryErrors
{
    public static RuntimeErrorKind KindOf(RegistryException e) => (e.ErrorCode, e.StatusCode) switch
    {
        ("PLATFORM_NOT_FOUND", _) => RuntimeErrorKind.PlatformMissing,
        ("UNAUTHORIZED" or "DENIED", _) or (_, HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden) => RuntimeErrorKind.Unauthorized,
        ("MANIFEST_UNKNOWN" or "NAME_UNKNOWN" or "BLOB_UNKNOWN", _) or (_, HttpStatusCode.NotFound) => RuntimeErrorKind.NotFound,
        ("TOOMANYREQUESTS", _) or (_, HttpStatusCode.TooManyRequests) => RuntimeErrorKind.RegistryUnavailable,
        (_, { } status) when (int)status >= 500 => RuntimeErrorKind.RegistryUnavailable,
        _ => RuntimeErrorKind.Unknown,
    };
}
