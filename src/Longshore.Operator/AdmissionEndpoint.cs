using System.Text.Json;
using System.Text.Json.Nodes;
using FluentValidation;
using k8s;
using Longshore.Api;

namespace Longshore.Operator;

/// <summary>
/// The validating admission webhook for the four kinds: runs the same rules the validators hold, so a bad object is
/// refused at <c>kubectl apply</c> with every problem and its field path in one message.
/// </summary>
public static class AdmissionEndpoint
{
    public static async Task HandleAsync(HttpContext context)
    {
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
        var uid = request?["uid"]?.GetValue<string>() ?? string.Empty;
        var kind = request?["kind"]?["kind"]?.GetValue<string>();
        var operation = request?["operation"]?.GetValue<string>();
        var objectJson = request?["object"]?.ToJsonString();
        var limits = context.RequestServices.GetService<OperatorOptions>()?.Limits;
        var problems = operation == "DELETE" || objectJson is null || request is null || ChangesOnlyMetadata(request) ? [] : Validate(kind, objectJson, limits).ToList();
        if (request is not null && context.RequestServices.GetService<NodeStatusGuard>() is { } guard
            && await guard.CheckAsync(request, context.RequestAborted) is { } refusal)
        {
            problems.Add(refusal);
        }
        var response = new JsonObject
        {
            ["uid"] = uid,
            ["allowed"] = problems.Count == 0,
        };
        if (problems.Count > 0)
        {
            response["status"] = new JsonObject
            {
                ["code"] = 422,
                ["reason"] = "Invalid",
                ["message"] = $"{kind} is invalid: {string.Join("; ", problems)}",
            };
        }

        var answer = new JsonObject { ["apiVersion"] = "admission.k8s.io/v1", ["kind"] = "AdmissionReview", ["response"] = response };
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(answer.ToJsonString(), context.RequestAborted);
    }

    /// <summary>
    /// Whether an UPDATE of the main resource changes nothing but metadata (finalizers, labels, annotations, owners) or
    /// touches an object already being deleted: never refused, so an object that is invalid (admitted while the
    /// operator was down, or before a rule was added) can still lose its finalizers and go.
    /// </summary>
    public static bool ChangesOnlyMetadata(JsonNode request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request["operation"]?.GetValue<string>() != "UPDATE" || request["subResource"]?.GetValue<string>() is { Length: > 0 }
            || request["object"] is not JsonObject changed || request["oldObject"] is not JsonObject old)
        {
            return false;
        }

        if (changed["metadata"]?["deletionTimestamp"] is not null)
        {
            return true;
        }

        var without = (JsonObject)changed.DeepClone();
        var oldWithout = (JsonObject)old.DeepClone();
        without.Remove("metadata");
        oldWithout.Remove("metadata");
        return JsonNode.DeepEquals(without, oldWithout);
    }

    /// <summary>Problems as "field: message"; empty when valid or when the kind is not Longshore's.</summary>
    /// <param name="limits">The administrator's limits on what a namespace may ask; none when null.</param>
    public static IReadOnlyList<string> Validate(string? kind, string objectJson, TenantLimits? limits = null)
    {
        try
        {
            return kind switch
            {
                V1Alpha1ImagePrePull.KindName => Run(new ImagePrePullValidator(), KubernetesJson.Deserialize<V1Alpha1ImagePrePull>(objectJson))
                    .Concat(Within(limits, KubernetesJson.Deserialize<V1Alpha1ImagePrePull>(objectJson), (l, o) => l.Check(o.Metadata.NamespaceProperty, o.Spec))).ToList(),
                V1Alpha1ImagePolicy.KindName => Run(new ImagePolicyValidator(), KubernetesJson.Deserialize<V1Alpha1ImagePolicy>(objectJson))
                    .Concat(Within(limits, KubernetesJson.Deserialize<V1Alpha1ImagePolicy>(objectJson), (l, o) => l.Check(o.Metadata.NamespaceProperty, o.Spec))).ToList(),
                V1Alpha1ImagePrune.KindName => Run(new ImagePruneValidator(), KubernetesJson.Deserialize<V1Alpha1ImagePrune>(objectJson)),
                V1Alpha1NodeImage.KindName => Run(new NodeImageValidator(), KubernetesJson.Deserialize<V1Alpha1NodeImage>(objectJson)),
                _ => [],
            };
        }
        catch (JsonException e)
        {
            return [$"the object does not match the {kind} schema: {e.Message}"];
        }
    }

    private static IEnumerable<string> Within<T>(TenantLimits? limits, T item, Func<TenantLimits, T, IReadOnlyList<string>> check)
        where T : class =>
        limits is null || item is null ? [] : check(limits, item);

    private static List<string> Run<T>(AbstractValidator<T> validator, T item) =>
        validator.Validate(item).Errors.Select(e => $"{e.PropertyName}: {e.ErrorMessage}").ToList();
}
