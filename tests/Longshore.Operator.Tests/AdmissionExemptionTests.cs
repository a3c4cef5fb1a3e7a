using System.Text.Json.Nodes;

namespace Longshore.Operator.Tests;

/// <summary>Updates that only touch metadata, or objects already being deleted, are never refused: cleanup cannot wedge.</summary>
public sealed class AdmissionExemptionTests
{
    private static JsonNode Request(string operation, string changed, string? old, string? subResource = null) => new JsonObject
    {
        ["operation"] = operation,
        ["subResource"] = subResource,
        ["object"] = JsonNode.Parse(changed),
        ["oldObject"] = old is null ? null : JsonNode.Parse(old),
    };

    private const string Held = """{"apiVersion":"longshore.io/v1alpha1","kind":"ImagePrePull","metadata":{"name":"a","finalizers":["longshore.io/cleanup"]},"spec":{"images":["Shop/Web:1"]}}""";
    private const string Released = """{"apiVersion":"longshore.io/v1alpha1","kind":"ImagePrePull","metadata":{"name":"a","labels":{"team":"x"}},"spec":{"images":["Shop/Web:1"]}}""";
    private const string Edited = """{"apiVersion":"longshore.io/v1alpha1","kind":"ImagePrePull","metadata":{"name":"a"},"spec":{"images":["Shop/Web:2"]}}""";
    private const string Deleting = """{"apiVersion":"longshore.io/v1alpha1","kind":"ImagePrePull","metadata":{"name":"a","deletionTimestamp":"2026-01-01T00:00:00Z"},"spec":{"images":["Shop/Web:2"]}}""";

    [Fact]
    public void Removing_a_finalizer_or_relabelling_an_invalid_object_is_exempt()
    {
        AdmissionEndpoint.Validate("ImagePrePull", Released).Should().NotBeEmpty("the object itself is invalid");
        AdmissionEndpoint.ChangesOnlyMetadata(Request("UPDATE", Released, Held)).Should().BeTrue();
    }

    [Fact]
    public void A_spec_change_is_validated()
    {
        AdmissionEndpoint.ChangesOnlyMetadata(Request("UPDATE", Edited, Held)).Should().BeFalse();
    }

    [Fact]
    public void An_object_being_deleted_is_exempt()
    {
        AdmissionEndpoint.ChangesOnlyMetadata(Request("UPDATE", Deleting, Held)).Should().BeTrue();
    }

    [Fact]
    public void Creates_and_status_writes_are_not_exempt()
    {
        AdmissionEndpoint.ChangesOnlyMetadata(Request("CREATE", Held, null)).Should().BeFalse();
        AdmissionEndpoint.ChangesOnlyMetadata(Request("UPDATE", Held, Held, subResource: "status")).Should().BeFalse();
    }
}
