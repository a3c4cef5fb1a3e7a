using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Longshore.Operator;

/// <summary>
/// The Pod webhooks of ImagePolicy: <c>/pin</c> (mutating) rewrites covered images to their locked digests with a
/// JSONPatch, <c>/enforce</c> (validating) refuses Pods off them. Both answer from <see cref="PolicyLockCache"/>;
/// before its first list they answer 503, so the API server applies the webhook's failurePolicy rather than a guess.
/// </summary>
public static class PodAdmissionEndpoint
{
    public static Task HandlePinAsync(HttpContext context) => HandleAsync(context, mutate: true);

    public static Task HandleEnforceAsync(HttpContext context) => HandleAsync(context, mutate: false);

    /// <summary>The containers of every kind in a Pod object, in spec order.</summary>
    public static IReadOnlyList<PodContainer> ContainersOf(JsonNode? pod)
    {
        var containers = new List<PodContainer>();
        foreach (var field in PodContainer.Fields)
        {
            if (pod?["spec"]?[field] is not JsonArray list)
            {
                continue;
            }

            for (var i = 0; i < list.Count; i++)
            {
                if (list[i]?["image"] is JsonValue image && image.TryGetValue<string>(out var reference))
                {
                    containers.Add(new PodContainer(field, i, list[i]?["name"]?.GetValue<string>() ?? string.Empty, reference));
                }
            }
        }

        return containers;
    }

    /// <summary>The JSONPatch that applies the rewrites (replace of each image), as the API server wants it.</summary>
    public static string PatchOf(IEnumerable<ImageRewrite> rewrites) =>
        new JsonArray(rewrites.Select(r => (JsonNode)new JsonObject { ["op"] = "replace", ["path"] = r.Container.ImagePath, ["value"] = r.Image }).ToArray()).ToJsonString();

    private static async Task HandleAsync(HttpContext context, bool mutate)
    {
        var cache = context.RequestServices.GetRequiredService<PolicyLockCache>();
        if (!cache.Ready)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            await context.Response.WriteAsync("the ImagePolicy cache has not synced yet", context.RequestAborted);
            return;
        }

        JsonNode? review;
        try
        {
            review = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        }
        catch (JsonException)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync("the body is not an AdmissionReview", context.RequestAborted);
            return;
        }

        var request = review?["request"];
        var response = new JsonObject { ["uid"] = request?["uid"]?.GetValue<string>() ?? string.Empty, ["allowed"] = true };
        var pod = request?["object"];
        var isPod = request?["kind"]?["kind"]?.GetValue<string>() == "Pod" && request?["subResource"] is null;
        if (isPod && request?["operation"]?.GetValue<string>() is "CREATE" or "UPDATE")
        {
            var pins = cache.For(request?["namespace"]?.GetValue<string>() ?? pod?["metadata"]?["namespace"]?.GetValue<string>() ?? string.Empty);
            var labels = pod?["metadata"]?["labels"]?.AsObject().ToDictionary(kv => kv.Key, kv => kv.Value?.GetValue<string>() ?? string.Empty);
            var containers = ContainersOf(pod);
            if (request?["oldObject"] is { } old)
            {
                // An update is judged on the images it changes: a Pod admitted before its policy keeps its
                // metadata writable (labels, owner references) and stays visible as drift instead.
                var before = ContainersOf(old).ToDictionary(c => c.ImagePath, c => c.Image, StringComparer.Ordinal);
                containers = containers.Where(c => !before.TryGetValue(c.ImagePath, out var image) || image != c.Image).ToList();
            }

            if (mutate)
            {
                var rewrites = PodImagePinner.Plan(pins, labels, containers);
                if (rewrites.Count > 0)
                {
                    response["patchType"] = "JSONPatch";
                    response["patch"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(PatchOf(rewrites)));
                }
            }
            else if (PodImageChecker.Check(pins, labels, containers) is { Count: > 0 } problems)
            {
                response["allowed"] = false;
                response["status"] = new JsonObject
                {
                    ["code"] = 403,
                    ["reason"] = "Forbidden",
                    ["message"] = $"Pod images are not on their locked digests: {string.Join("; ", problems)}",
                };
            }
        }

        var answer = new JsonObject { ["apiVersion"] = "admission.k8s.io/v1", ["kind"] = "AdmissionReview", ["response"] = response };
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(answer.ToJsonString(), context.RequestAborted);
    }
}
