using System.Diagnostics;
using System.Globalization;

namespace Longshore.Bench;

/// <summary>Runs a process to completion and samples its peak resident set (VmHWM) from /proc while it runs.</summary>
internal static class ProcessSampler
{
    /// <summary>Wall time and peak RSS of one run; <paramref name="environment"/> adds or overrides variables.</summary>
    public static async Task<(double Seconds, long PeakRss)> RunAsync(string fileName, IReadOnlyList<string> arguments, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? environment = null)
    {
        var sample = await SampleAsync(fileName, arguments, cancellationToken, environment);
        return (sample.Seconds, sample.PeakRss);
    }

    /// <summary>
    /// Wall time, peak RSS, and at the largest RSS seen its anonymous (heaps, stacks, JIT code) and file-backed
    /// (mapped assemblies and native libraries) parts.
    /// </summary>
    public static async Task<ProcessSample> SampleAsync(string fileName, IReadOnlyList<string> arguments, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var stopwatch = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        long peak = 0, largest = 0, anonymous = 0, fileBacked = 0;
        while (!process.HasExited)
        {
            var status = ReadStatus(process.Id);
            peak = Math.Max(peak, status.GetValueOrDefault("VmHWM:"));
            if (status.GetValueOrDefault("VmRSS:") > largest)
            {
                largest = status["VmRSS:"];
                anonymous = status.GetValueOrDefault("RssAnon:");
                fileBacked = status.GetValueOrDefault("RssFile:");
            }

            await Task.Delay(10, cancellationToken);
        }

        await process.WaitForExitAsync(cancellationToken);
        var seconds = stopwatch.Elapsed.TotalSeconds;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{fileName} {string.Join(' ', arguments)} exited {process.ExitCode}: {await stderr}{await stdout}");
        }

        return new ProcessSample(seconds, peak, anonymous, fileBacked);
    }

    /// <summary>The resident set of a running process now, in bytes (0 once it is gone).</summary>
    public static long Rss(int pid) => ReadStatus(pid).GetValueOrDefault("VmRSS:");

    /// <summary>The byte counts of /proc/PID/status ("VmRSS:" and the like); empty once the process is gone.</summary>
    private static Dictionary<string, long> ReadStatus(int pid)
    {
        var values = new Dictionary<string, long>(StringComparer.Ordinal);
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length == 3 && parts[2] == "kB" && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var kilobytes))
                {
                    values[parts[0]] = kilobytes * 1024;
                }
            }
        }
        catch (IOException)
        {
            // The process exited between the check and the read.
        }

        return values;
    }
}
