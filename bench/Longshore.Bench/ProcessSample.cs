namespace Longshore.Bench;

/// <summary>One sampled process run: wall time, peak RSS, and the anonymous and file-backed parts at the largest RSS seen.</summary>
public sealed record ProcessSample(double Seconds, long PeakRss, long AnonymousRss, long FileRss);
