using System.Text.Json;
using System.Text.Json.Nodes;

namespace Longshore.Chart.Tests;

/// <summary>Kubernetes objects keyed by kind/namespace/name (namespace empty for cluster-scoped objects).</summary>
public sealed class ManifestSet
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private ManifestSet(IReadOnlyDictionary<string, JsonObject> objects) => Objects = objects;

    public IReadOnlyDictionary<string, JsonObject> Objects { get; }

    public static ManifestSet Parse(string yaml)
    {
        var objects = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var document in YamlDocuments.Parse(yaml))
        {
            var key = KeyOf(document);
            if (!objects.TryAdd(key, document))
            {
                throw new InvalidOperationException($"{key} appears twice");
            }
        }

        return new ManifestSet(objects);
    }

    public static string KeyOf(JsonObject manifest) =>
        $"{manifest["kind"]}/{manifest["metadata"]?["namespace"]}/{manifest["metadata"]?["name"]}";

    /// <summary>The objects of <paramref name="kind"/>.</summary>
    public IReadOnlyList<JsonObject> OfKind(string kind) =>
        Objects.Values.Where(o => o["kind"]?.GetValue<string>() == kind).ToList();

    /// <summary>The single object of <paramref name="kind"/>.</summary>
    public JsonObject Single(string kind) => OfKind(kind) switch
    {
        [var only] => only,
        var found => throw new InvalidOperationException($"expected one {kind}, found {found.Count}: {string.Join(", ", Objects.Keys)}"),
    };

    public static string Show(JsonNode? node) => node?.ToJsonString(Indented) ?? "null";
}
