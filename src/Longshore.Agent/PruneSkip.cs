using Longshore.Api;
using Longshore.Runtime;

namespace Longshore.Agent;

/// <summary>A candidate a prune leaves on the node, and why.</summary>
public sealed record PruneSkip(RuntimeImage Image, PruneSkipReason Reason);
