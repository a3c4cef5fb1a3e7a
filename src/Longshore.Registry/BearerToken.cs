namespace Longshore.Registry;

/// <summary>An Authorization header value cached per registry and scope until it expires.</summary>
internal sealed record BearerToken(string HeaderValue, DateTimeOffset ExpiresAt);
