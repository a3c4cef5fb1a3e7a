using k8s;
using Longshore.Api;
using Longshore.Oci;
using Microsoft.Extensions.Logging;

namespace Longshore.Agent;

/// <summary>
/// Turns a folder of ImagePrePull YAML into the NodeImage spec of this one machine (every ImagePrePull applies to it).
/// Bad files and invalid objects are reported and skipped; they never stop the others.
/// </summary>
public static class ManifestFolder
{
    /// <summary>The wanted images, and per skipped file or object (<c>file</c> or <c>file/name</c>) why it was skipped.</summary>
    public static async Task<(NodeImageSpec Spec, IReadOnlyDictionary<string, string> Skipped)> ReadAsync(string folder, ILogger logger, CancellationToken cancellationToken)
    {
        var images = new List<WantedImage>();
        var skipped = new Dictionary<string, string>(StringComparer.Ordinal);
        var validator = new ImagePrePullValidator();
        var types = new Dictionary<string, Type> { [$"{ApiGroup.ApiVersion}/{V1Alpha1ImagePrePull.KindName}"] = typeof(V1Alpha1ImagePrePull) };
        foreach (var file in Directory.EnumerateFiles(folder).Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            List<object> documents;
            try
            {
                documents = KubernetesYaml.LoadAllFromString(await File.ReadAllTextAsync(file, cancellationToken), types);
            }
            catch (Exception e) when (e is YamlDotNet.Core.YamlException or InvalidOperationException or System.Text.Json.JsonException)
            {
                logger.LogWarning("skipping {File}: {Error}", file, e.Message);
                skipped[Path.GetFileName(file)] = $"unreadable: {e.Message}";
                continue;
            }

            foreach (var prePull in documents.OfType<V1Alpha1ImagePrePull>())
            {
                var problems = validator.Validate(prePull).Errors.Select(e => $"{e.PropertyName}: {e.ErrorMessage}").ToList();
                if (problems.Count > 0)
                {
                    logger.LogWarning("skipping ImagePrePull {Name} in {File}: {Problems}", prePull.Metadata.Name, file, string.Join("; ", problems));
                    skipped[$"{Path.GetFileName(file)}/{prePull.Metadata.Name}"] = $"invalid: {string.Join("; ", problems)}";
                    continue;
                }

                var owner = new ImageOwner { Kind = V1Alpha1ImagePrePull.KindName, Namespace = prePull.Metadata.NamespaceProperty ?? "default", Name = prePull.Metadata.Name };
                images.AddRange(prePull.Spec.Images.Select(image => new WantedImage
                {
                    Reference = ImageReference.Parse(image).ToString(),
                    Pin = prePull.Spec.Pin,
                    Owners = [owner],
                    PullTimeout = prePull.Spec.PullTimeout,
                    BackoffLimit = prePull.Spec.BackoffLimit,
                }));
            }
        }

        return (new NodeImageSpec { Images = images }, skipped);
    }
}
