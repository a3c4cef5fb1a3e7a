using System.Globalization;
using System.Text.Json.Nodes;
using Longshore.LayerStore;
using Longshore.Oci;

namespace Longshore.Cli;

/// <summary>
/// The rows <c>--format</c> templates see, with the field names and values of Docker's formatters (sizes and ages already
/// human, IDs short unless <c>--no-trunc</c>), and the column names a <c>table</c> template's header shows.
/// </summary>
internal static class DockerRows
{
    public static readonly IReadOnlyDictionary<string, string> ImageHeaders = new Dictionary<string, string>
    {
        ["Containers"] = "CONTAINERS",
        ["CreatedAt"] = "CREATED AT",
        ["CreatedSince"] = "CREATED",
        ["Digest"] = "DIGEST",
        ["ID"] = "IMAGE ID",
        ["Repository"] = "REPOSITORY",
        ["SharedSize"] = "SHARED SIZE",
        ["Size"] = "SIZE",
        ["Tag"] = "TAG",
        ["UniqueSize"] = "UNIQUE SIZE",
        ["VirtualSize"] = "SIZE",
    };

    public static readonly IReadOnlyDictionary<string, string> HistoryHeaders = new Dictionary<string, string>
    {
        ["Comment"] = "COMMENT",
        ["CreatedAt"] = "CREATED AT",
        ["CreatedBy"] = "CREATED BY",
        ["CreatedSince"] = "CREATED",
        ["ID"] = "IMAGE",
        ["Size"] = "SIZE",
    };

    /// <summary>What Docker prints when a history step is no image of its own.</summary>
    public const string Missing = "<missing>";

    private const int CreatedByWidth = 45;

    /// <summary>An <c>image ls</c> row. Containers and shared/unique sizes are N/A, as in Docker's listing without <c>-s</c>.</summary>
    public static JsonObject Image(ImageSummary row, bool fullIds, DateTimeOffset now) => new()
    {
        ["Containers"] = "N/A",
        ["CreatedAt"] = CreatedAt(row.Created),
        ["CreatedSince"] = HumanUnits.Ago(row.Created, now),
        ["Digest"] = row.RepoDigest?.ToString() ?? ImageSummary.None,
        ["ID"] = Id(row.ImageId, fullIds),
        ["Repository"] = row.Repository,
        ["SharedSize"] = "N/A",
        ["Size"] = HumanUnits.Size(row.Size),
        ["Tag"] = row.Tag,
        ["UniqueSize"] = "N/A",
        ["VirtualSize"] = HumanUnits.Size(row.Size),
    };

    /// <summary>An <c>image history</c> row; CREATED BY is cut to 45 characters with an ellipsis unless <paramref name="fullText"/>.</summary>
    public static JsonObject History(ImageHistoryEntry entry, bool fullText, DateTimeOffset now) => new()
    {
        ["Comment"] = entry.Comment,
        ["CreatedAt"] = CreatedAt(entry.Created),
        ["CreatedBy"] = fullText ? entry.CreatedBy : Ellipsis(entry.CreatedBy, CreatedByWidth),
        ["CreatedSince"] = HumanUnits.Ago(entry.Created, now),
        ["ID"] = entry.ImageId is { } id ? Id(id, fullText) : Missing,
        ["Size"] = HumanUnits.Size(entry.Size),
    };

    public static string Id(Digest id, bool full) => full ? id.ToString() : id.Short;

    /// <summary>Docker cuts to <paramref name="width"/> characters, the last one an ellipsis.</summary>
    public static string Ellipsis(string text, int width)
    {
        // Docker shows a build step's newlines and tabs as spaces on its one line.
        text = text.Replace('\n', ' ').Replace('\t', ' ');
        return text.Length <= width ? text : text[..(width - 1)] + "…";
    }

    /// <summary>Go's time.Time printing, which Docker uses for CreatedAt: <c>2024-01-02 15:04:05 +0000 UTC</c>.</summary>
    private static string CreatedAt(DateTimeOffset? created) =>
        created is { } value ? value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss '+0000 UTC'", CultureInfo.InvariantCulture) : "N/A";
}
