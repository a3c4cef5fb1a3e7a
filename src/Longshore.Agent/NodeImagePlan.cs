using Longshore.Runtime;

namespace Longshore.Agent;

/// <summary>One reconcile's decisions: per wanted image, what to pin and unpin, and which images this agent pins afterwards.</summary>
public sealed record NodeImagePlan(IReadOnlyList<PlannedImage> Images, IReadOnlyList<RuntimeImage> Pin, IReadOnlyList<RuntimeImage> Unpin, IReadOnlySet<string> PinnedByUs);
