using System.Text.Json.Nodes;

namespace Longshore.Chart.Tests;

/// <summary>
/// What the chart adds that config/default does not have, and the comparison therefore ignores: exactly the labels
/// <c>helm.sh/chart</c>, <c>app.kubernetes.io/managed-by</c> and <c>app.kubernetes.io/instance</c> in any
/// <c>metadata.labels</c> (objects' and Pod templates'), and a <c>labels</c> map left empty by their removal.
/// </summary>
public static class HelmOnlyMetadata
{
    public static readonly IReadOnlyList<string> Labels = ["helm.sh/chart", "app.kubernetes.io/managed-by", "app.kubernetes.io/instance"];

    /// <summary>A copy of <paramref name="manifest"/> without the Helm-only labels.</summary>
    public static JsonObject Strip(JsonObject manifest)
    {
        var copy = (JsonObject)manifest.DeepClone();
        Walk(copy);
        return copy;
    }

    private static void Walk(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject map:
                if (map["metadata"] is JsonObject { } metadata && metadata["labels"] is JsonObject labels)
                {
                    foreach (var label in Labels)
                    {
                        labels.Remove(label);
                    }

                    if (labels.Count == 0)
                    {
                        metadata.Remove("labels");
                    }
                }

                foreach (var (_, child) in map)
                {
                    Walk(child);
                }

                break;
            case JsonArray list:
                foreach (var child in list)
                {
                    Walk(child);
                }

                break;
        }
    }
}
