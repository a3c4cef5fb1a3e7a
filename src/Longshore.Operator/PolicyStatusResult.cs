using Longshore.Api;
using Longshore.Kube;

namespace Longshore.Operator;

/// <summary>The status an ImagePolicy should have and its kstatus verdict.</summary>
public sealed record PolicyStatusResult(ImagePolicyStatus Status, Progress Progress, string Reason, string Message);
