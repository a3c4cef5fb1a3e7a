using System.Text;
using k8s.Models;
using Longshore.Oci;

namespace Longshore.Api;

/// <summary>Registry credentials held in an image pull Secret (kubernetes.io/dockerconfigjson or the legacy .dockercfg).</summary>
public static class PullSecrets
{
    /// <summary>The Secret's docker config, or null when it holds neither key.</summary>
    public static DockerConfig? Parse(V1Secret secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var data = secret.Data ?? new Dictionary<string, byte[]>();
        var json = data.TryGetValue(".dockerconfigjson", out var config) ? config : data.TryGetValue(".dockercfg", out var legacy) ? legacy : null;
        return json is null ? null : DockerConfig.Parse(Encoding.UTF8.GetString(json));
    }
}
