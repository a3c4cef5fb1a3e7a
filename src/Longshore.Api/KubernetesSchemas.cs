using k8s.Models;

namespace Longshore.Api;

/// <summary>Structural schemas for the Kubernetes types the API embeds (written out: v1.20 has no $ref in CRDs).</summary>
internal static class KubernetesSchemas
{
    public static V1JSONSchemaProps LabelSelector() => new()
    {
        Type = "object",
        Description = "A label query over nodes: matchLabels and matchExpressions are ANDed.",
        Properties = new Dictionary<string, V1JSONSchemaProps>
        {
            ["matchLabels"] = new() { Type = "object", AdditionalProperties = new V1JSONSchemaProps { Type = "string" }, Description = "Labels that must all be present with these values." },
            ["matchExpressions"] = new()
            {
                Type = "array",
                Items = new V1JSONSchemaProps
                {
                    Type = "object",
                    Required = ["key", "operator"],
                    Properties = new Dictionary<string, V1JSONSchemaProps>
                    {
                        ["key"] = new() { Type = "string" },
                        ["operator"] = new() { Type = "string", EnumProperty = ["In", "NotIn", "Exists", "DoesNotExist"] },
                        ["values"] = new() { Type = "array", Items = new V1JSONSchemaProps { Type = "string" } },
                    },
                },
            },
        },
    };

    public static V1JSONSchemaProps Toleration() => new()
    {
        Type = "object",
        Description = "Tolerates taints that match key, operator, value and effect.",
        Properties = new Dictionary<string, V1JSONSchemaProps>
        {
            ["key"] = new() { Type = "string" },
            ["operator"] = new() { Type = "string", EnumProperty = ["Exists", "Equal"] },
            ["value"] = new() { Type = "string" },
            ["effect"] = new() { Type = "string", EnumProperty = ["NoSchedule", "PreferNoSchedule", "NoExecute"] },
            ["tolerationSeconds"] = new() { Type = "integer", Format = "int64" },
        },
    };

    public static V1JSONSchemaProps LocalObjectReference() => new()
    {
        Type = "object",
        Required = ["name"],
        Properties = new Dictionary<string, V1JSONSchemaProps> { ["name"] = new() { Type = "string", Description = "Name of the Secret." } },
    };

    public static V1JSONSchemaProps Condition() => new()
    {
        Type = "object",
        Required = ["type", "status", "lastTransitionTime", "reason", "message"],
        Properties = new Dictionary<string, V1JSONSchemaProps>
        {
            ["type"] = new() { Type = "string", MaxLength = 316 },
            ["status"] = new() { Type = "string", EnumProperty = ["True", "False", "Unknown"] },
            ["observedGeneration"] = new() { Type = "integer", Format = "int64", Minimum = 0 },
            ["lastTransitionTime"] = new() { Type = "string", Format = "date-time" },
            ["reason"] = new() { Type = "string", MaxLength = 1024, MinLength = 1, Pattern = "^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$" },
            ["message"] = new() { Type = "string", MaxLength = 32768 },
        },
    };
}
