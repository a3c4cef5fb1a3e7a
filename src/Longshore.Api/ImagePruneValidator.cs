using FluentValidation;

namespace Longshore.Api;

/// <summary>Rules for ImagePrune: cron and time zone, durations, keep patterns, disk thresholds that make sense together.</summary>
public sealed class ImagePruneValidator : AbstractValidator<V1Alpha1ImagePrune>
{
    public ImagePruneValidator() => RuleFor(x => x).Custom((prune, context) => Check(prune).Report(context));

    private static FieldProblems Check(V1Alpha1ImagePrune prune)
    {
        var problems = new FieldProblems();
        var spec = prune.Spec;
        if (spec is null)
        {
            problems.Add("spec", "is required");
            return problems;
        }

        if (CronSchedule.Validate(spec.Schedule) is { } cron)
        {
            problems.Add("spec.schedule", cron);
        }

        if (spec.TimeZone is not null && !TimeZoneInfo.TryFindSystemTimeZoneById(spec.TimeZone, out _))
        {
            problems.Add("spec.timeZone", $"'{spec.TimeZone}' is not a known IANA time zone (e.g. UTC, Europe/Berlin, America/New_York)");
        }

        problems.OneOf("spec.mode", spec.Mode, "Dangling", "Unused");
        problems.Duration("spec.olderThan", spec.OlderThan);
        problems.AddRange(LabelSelectorRules.Validate(spec.NodeSelector, "spec.nodeSelector"));
        for (var i = 0; i < (spec.Keep?.Count ?? 0); i++)
        {
            var pattern = spec.Keep![i];
            if (string.IsNullOrWhiteSpace(pattern) || pattern.Any(char.IsWhiteSpace))
            {
                problems.Add($"spec.keep[{i}]", $"'{pattern}' must be a reference pattern without spaces, e.g. registry.k8s.io/* or *:stable");
            }
        }

        if (spec.DiskUsageAbove is < 0 or > 100)
        {
            problems.Add("spec.diskUsageAbove", $"{spec.DiskUsageAbove} must be a percentage from 0 to 100");
        }

        if (spec.DiskUsageTarget is < 0 or > 100)
        {
            problems.Add("spec.diskUsageTarget", $"{spec.DiskUsageTarget} must be a percentage from 0 to 100");
        }

        if (spec.DiskUsageTarget is not null && spec.DiskUsageAbove is null)
        {
            problems.Add("spec.diskUsageTarget", "needs diskUsageAbove: the target says where to stop once usage went above it");
        }
        else if (spec.DiskUsageTarget is { } target && spec.DiskUsageAbove is { } above && target >= above)
        {
            problems.Add("spec.diskUsageTarget", $"{target} must be below diskUsageAbove ({above})");
        }

        if (spec.Parallelism < 1)
        {
            problems.Add("spec.parallelism", $"{spec.Parallelism} must be at least 1");
        }

        return problems;
    }
}
