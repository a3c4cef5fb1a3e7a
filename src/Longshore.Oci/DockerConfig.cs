using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Longshore.Oci;

/// <summary>
/// Docker's <c>config.json</c> and Kubernetes' <c>.dockerconfigjson</c>: an <c>auths</c> map from registry to
/// credentials (<c>auth</c> = base64 of <c>user:password</c>, or <c>username</c>/<c>password</c>, or identity tokens).
/// </summary>
public sealed class DockerConfig
{
    private readonly Dictionary<string, RegistryCredential> auths;

    private DockerConfig(Dictionary<string, RegistryCredential> auths) => this.auths = auths;

    public static DockerConfig Empty => new(new Dictionary<string, RegistryCredential>(StringComparer.OrdinalIgnoreCase));

    public IReadOnlyCollection<string> Registries => auths.Keys;

    public static DockerConfig Parse(string json)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json);
        }
        catch (JsonException e)
        {
            throw new OciFormatException("docker config", $"docker config is not valid JSON: {e.Message}", e);
        }

        var result = new Dictionary<string, RegistryCredential>(StringComparer.OrdinalIgnoreCase);
        if (root is not JsonObject obj)
            throw new OciFormatException("docker config", "docker config must be a JSON object");
        // .dockercfg (legacy) has the entries at the top level; config.json and .dockerconfigjson nest them under "auths".
        var entries = obj["auths"] as JsonObject ?? (obj.ContainsKey("auths") ? null : obj);
        if (entries is null)
            return new DockerConfig(result);
        foreach (var (key, value) in entries)
        {
            if (value is not JsonObject entry)
                throw new OciFormatException("docker config", $"docker config entry '{key}' must be an object");
            string? user = Str(entry, "username"), password = Str(entry, "password");
            var auth = Str(entry, "auth");
            if (!string.IsNullOrEmpty(auth))
            {
                string decoded;
                try
                {
                    decoded = Encoding.UTF8.GetString(Convert.FromBase64String(auth));
                }
                catch (FormatException e)
                {
                    throw new OciFormatException("docker config", $"docker config entry '{key}': auth is not valid base64", e);
                }

                var colon = decoded.IndexOf(':', StringComparison.Ordinal);
                if (colon < 0)
                    throw new OciFormatException("docker config", $"docker config entry '{key}': auth must decode to user:password");
                user = decoded[..colon];
                password = decoded[(colon + 1)..];
            }

            result[NormaliseRegistry(key)] = new RegistryCredential
            {
                Username = NullIfEmpty(user),
                Password = NullIfEmpty(password),
                IdentityToken = NullIfEmpty(Str(entry, "identitytoken")),
                RegistryToken = NullIfEmpty(Str(entry, "registrytoken")),
            };
        }

        return new DockerConfig(result);
    }

    /// <summary>Reads a file; a missing file is an empty config.</summary>
    public static DockerConfig Load(string path) => File.Exists(path) ? Parse(File.ReadAllText(path)) : Empty;

    /// <summary>Docker's own file: <c>$DOCKER_CONFIG/config.json</c>, else <c>~/.docker/config.json</c>.</summary>
    public static string DefaultPath
    {
        get
        {
            var dir = Environment.GetEnvironmentVariable("DOCKER_CONFIG");
            return System.IO.Path.Combine(string.IsNullOrEmpty(dir) ? System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".docker") : dir, "config.json");
        }
    }

    public RegistryCredential? Find(string registry) => auths.TryGetValue(NormaliseRegistry(registry), out var c) ? c : null;

    public DockerConfig With(string registry, RegistryCredential credential)
    {
        var copy = new Dictionary<string, RegistryCredential>(auths, StringComparer.OrdinalIgnoreCase) { [NormaliseRegistry(registry)] = credential };
        return new DockerConfig(copy);
    }

    public DockerConfig Without(string registry)
    {
        var copy = new Dictionary<string, RegistryCredential>(auths, StringComparer.OrdinalIgnoreCase);
        copy.Remove(NormaliseRegistry(registry));
        return new DockerConfig(copy);
    }

    /// <summary>Serialises in config.json form (<c>auths</c> with base64 <c>auth</c>).</summary>
    public string ToJson()
    {
        var authsNode = new JsonObject();
        foreach (var (registry, c) in auths.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            var entry = new JsonObject();
            if (c.Username is not null || c.Password is not null)
                entry["auth"] = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{c.Username}:{c.Password}"));
            if (c.IdentityToken is not null)
                entry["identitytoken"] = c.IdentityToken;
            if (c.RegistryToken is not null)
                entry["registrytoken"] = c.RegistryToken;
            authsNode[registry] = entry;
        }

        return new JsonObject { ["auths"] = authsNode }.ToJsonString(OciJson.Indented);
    }

    /// <summary>Maps the spellings Docker accepts (<c>https://index.docker.io/v1/</c>, <c>registry-1.docker.io</c>) to one key.</summary>
    public static string NormaliseRegistry(string registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var host = registry.Trim();
        if (host.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            host = host[8..];
        else if (host.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
            host = host[7..];
        var slash = host.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
            host = host[..slash];
        host = host.ToLowerInvariant();
        return host is "index.docker.io" or "registry-1.docker.io" or "registry.hub.docker.com" ? ImageReference.DefaultDomain : host;
    }

    private static string? Str(JsonObject o, string name) => o[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
