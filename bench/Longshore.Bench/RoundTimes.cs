using System.Diagnostics;
using Longshore.Api;
using Longshore.Kube;

namespace Longshore.Bench;

/// <summary>
/// Seconds from an ImagePrePull's apply to each stage of its journey, as seen on the watch streams: the NodeImage
/// wants the image, the agent reports Pulling, then Present, then the ImagePrePull is Ready.
/// </summary>
internal sealed class RoundTimes(string reference)
{
    private long _started;

    public string PrePullName { get; init; } = string.Empty;

    public double? Wanted { get; private set; }

    public double? Pulling { get; private set; }

    public double? Present { get; private set; }

    public double? Ready { get; private set; }

    public void Start() => _started = Stopwatch.GetTimestamp();

    public void Observe(V1Alpha1NodeImage nodeImage)
    {
        if (_started == 0)
        {
            return;
        }

        if (nodeImage.Spec.Images?.Any(i => i.Reference == reference) == true)
        {
            Wanted ??= Elapsed();
        }

        var entry = nodeImage.Status?.Images?.FirstOrDefault(i => i.Reference == reference);
        if (entry?.Phase == ImagePhase.Pulling)
        {
            Pulling ??= Elapsed();
        }
        else if (entry?.Phase == ImagePhase.Present && Wanted is not null)
        {
            Present ??= Elapsed();
        }
    }

    public void Observe(V1Alpha1ImagePrePull prePull)
    {
        if (_started != 0 && prePull.Metadata.Name == PrePullName && Conditions.IsTrue(prePull.Status?.Conditions, "Ready"))
        {
            Ready ??= Elapsed();
        }
    }

    private double Elapsed() => Stopwatch.GetElapsedTime(_started).TotalSeconds;
}
