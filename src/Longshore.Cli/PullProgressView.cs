using Longshore.Transfer;
using Longshore.Oci;

namespace Longshore.Cli;

/// <summary>
/// Docker-style pull output. On a terminal every layer has a live line (redrawn in place); otherwise each layer prints
/// one line per state change, so logs stay readable.
/// </summary>
internal sealed class PullProgressView(TextWriter output, bool live, TimeProvider time) : IProgress<PullProgress>
{
    private readonly Lock _gate = new();
    private readonly List<Digest> _order = [];
    private readonly Dictionary<Digest, PullProgress> _state = [];
    private long _lastDraw;
    private int _drawnLines;

    public void Report(PullProgress value)
    {
        lock (_gate)
        {
            var known = _state.TryGetValue(value.Layer, out var previous);
            if (!known)
            {
                _order.Add(value.Layer);
            }

            // Statuses only move forward; a late "Downloading" after "complete" is ignored.
            if (known && previous!.Status > value.Status)
            {
                return;
            }

            _state[value.Layer] = value;
            if (live)
            {
                var now = time.GetTimestamp();
                if (value.Status == LayerPullStatus.Downloading && time.GetElapsedTime(_lastDraw, now) < TimeSpan.FromMilliseconds(100))
                {
                    return;
                }

                _lastDraw = now;
                Redraw();
            }
            else if (known && previous!.Status != value.Status && value.Status is LayerPullStatus.AlreadyExists or LayerPullStatus.Downloading or LayerPullStatus.PullComplete)
            {
                // One line per step that matters in a log; layers that were present already print only that.
                if (value.Status != LayerPullStatus.PullComplete || previous!.Status != LayerPullStatus.AlreadyExists)
                {
                    output.WriteLine($"{value.Layer.Short}: {(value.Status == LayerPullStatus.Downloading ? "Downloading" : Describe(value))}");
                }
            }
        }
    }

    public void Complete()
    {
        lock (_gate)
        {
            if (live)
            {
                Redraw();
            }
        }
    }

    private void Redraw()
    {
        if (_drawnLines > 0)
        {
            output.Write($"\u001b[{_drawnLines}A");
        }

        foreach (var layer in _order)
        {
            output.Write("\u001b[2K");
            output.WriteLine($"{layer.Short}: {Describe(_state[layer])}");
        }

        _drawnLines = _order.Count;
        output.Flush();
    }

    private static string Describe(PullProgress p) => p.Status switch
    {
        LayerPullStatus.Waiting => "Waiting",
        LayerPullStatus.Downloading => $"Downloading {Bar(p.Current, p.Total)} {HumanUnits.Size(p.Current)}/{HumanUnits.Size(p.Total)}",
        LayerPullStatus.Verifying => "Verifying Checksum",
        LayerPullStatus.AlreadyExists => "Already exists",
        LayerPullStatus.DownloadComplete => "Download complete",
        _ => "Pull complete",
    };

    private static string Bar(long current, long total)
    {
        const int width = 30;
        var filled = total <= 0 ? 0 : (int)Math.Min(width, current * width / total);
        return "[" + new string('=', Math.Max(0, filled - 1)) + (filled > 0 ? ">" : string.Empty) + new string(' ', width - filled) + "]";
    }
}
