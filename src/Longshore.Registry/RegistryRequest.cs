using Longshore.Oci;

namespace Longshore.Registry;

/// <summary>What the handlers of the pipeline need to know about a request, carried in its options.</summary>
internal static class RegistryRequest
{
    /// <summary>The registry the request belongs to; only requests to its own scheme and authority get its credentials.</summary>
    public static readonly HttpRequestOptionsKey<RegistryEndpoint> Endpoint = new("longshore.registry.endpoint");

    /// <summary>The token scope (e.g. <c>repository:lib/app:pull</c>); empty for the API root.</summary>
    public static readonly HttpRequestOptionsKey<string> Scope = new("longshore.registry.scope");

    /// <summary>Where this request's credentials come from: per request, so one client serves many pull secrets.</summary>
    public static readonly HttpRequestOptionsKey<Func<string, RegistryCredential?>> Credentials = new("longshore.registry.credentials");

    /// <summary>Set on requests whose body cannot be sent twice (blob uploads); the client repeats those itself.</summary>
    public static readonly HttpRequestOptionsKey<bool> NoRetry = new("longshore.registry.no-retry");
}
