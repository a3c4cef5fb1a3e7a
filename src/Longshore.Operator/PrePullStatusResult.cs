using Longshore.Api;
using Longshore.Kube;

namespace Longshore.Operator;

/// <summary>The status an ImagePrePull should have, its kstatus verdict and reason.</summary>
public sealed record PrePullStatusResult(ImagePrePullStatus Status, Progress Progress, PrePullReason Reason);
