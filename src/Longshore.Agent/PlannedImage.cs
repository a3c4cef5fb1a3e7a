using Longshore.Api;
using Longshore.Runtime;

namespace Longshore.Agent;

/// <summary>What the plan decided for one wanted image.</summary>
/// <param name="Wanted">The merged spec entry.</param>
/// <param name="Request">The pull to ask the scheduler about when <paramref name="Found"/> is null.</param>
/// <param name="Found">The runtime's image, or null when it must be pulled (absent, or its tag moved).</param>
/// <param name="Pinned">Pinned by this agent once the plan is carried out.</param>
/// <param name="Note">Why it is pulled again (a moved tag), or why it cannot be pinned.</param>
public sealed record PlannedImage(WantedImage Wanted, PullRequest Request, RuntimeImage? Found, bool Pinned, string? Note)
{
    public bool Moved { get; init; }
}
