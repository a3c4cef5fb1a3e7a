using System.Text.Json.Nodes;

namespace Longshore.Operator;

/// <summary>
/// The JSON patch that puts a CA bundle into every webhook of a webhook configuration whose caBundle differs. Each
/// change is guarded by a test of the webhook's name at that index, so a configuration reordered meanwhile makes the
/// patch fail rather than write into the wrong webhook.
/// </summary>
public static class WebhookCaBundle
{
    /// <summary>Null when every webhook already holds <paramref name="bundle"/>.</summary>
    public static JsonArray? Patch(IReadOnlyList<(string Name, byte[]? CaBundle)> webhooks, byte[] bundle)
    {
        ArgumentNullException.ThrowIfNull(webhooks);
        var operations = new JsonArray();
        for (var i = 0; i < webhooks.Count; i++)
        {
            if (webhooks[i].CaBundle is { } current && current.AsSpan().SequenceEqual(bundle))
            {
                continue;
            }

            operations.Add(new JsonObject { ["op"] = "test", ["path"] = $"/webhooks/{i}/name", ["value"] = webhooks[i].Name });
            operations.Add(new JsonObject { ["op"] = "add", ["path"] = $"/webhooks/{i}/clientConfig/caBundle", ["value"] = Convert.ToBase64String(bundle) });
        }

        return operations.Count == 0 ? null : operations;
    }
}
