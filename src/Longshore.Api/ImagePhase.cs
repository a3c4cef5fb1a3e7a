using System.Text.Json.Serialization;

namespace Longshore.Api;

/// <summary>Where a wanted image stands on a node, as its agent reports it.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ImagePhase>))]
public enum ImagePhase
{
    /// <summary>Not on the node; a pull is waiting for a slot or for its back-off to pass.</summary>
    Pending,

    /// <summary>A pull is running.</summary>
    Pulling,

    /// <summary>On the node (and pinned when asked).</summary>
    Present,

    /// <summary>Every attempt allowed by backoffLimit failed; <see cref="PullFailureReason"/> says why.</summary>
    Failed,
}
