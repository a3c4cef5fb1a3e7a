using FluentValidation;

namespace Longshore.Api;

/// <summary>Rules for ImagePrune: cron and time zone, durations, keep patterns, disk thresholds that make sense together.</summary>
public sealed class ImagePruneValidator : AbstractValidator<V1Alpha1ImagePrune>
{
    public ImagePruneValidator() =>
        RuleFor(p => p.Spec).NotNull().WithMessage("is required").SetValidator(new SpecValidator()).OverridePropertyName("spec");

    private sealed class SpecValidator : AbstractValidator<ImagePruneSpec>
    {
        public SpecValidator()
        {
            RuleFor(s => s.Schedule).Satisfies(CronSchedule.Validate).OverridePropertyName("schedule");
            RuleFor(s => s.TimeZone).Satisfies(CronSchedule.ValidateTimeZone).OverridePropertyName("timeZone");
            RuleFor(s => s.StartingDeadlineSeconds)
                .GreaterThanOrEqualTo(10).When(s => s.StartingDeadlineSeconds is not null)
                .WithMessage((_, seconds) => $"{seconds} is too short: expected at least 10 seconds, or unset for no deadline")
                .OverridePropertyName("startingDeadlineSeconds");
            RuleFor(s => s.Mode).OneOf("Dangling", "Unused").OverridePropertyName("mode");
            RuleFor(s => s.OlderThan).GoDuration().OverridePropertyName("olderThan");
            RuleFor(s => s.NodeSelector!).SetValidator(new LabelSelectorValidator()).OverridePropertyName("nodeSelector");
            RuleForEach(s => s.Keep)
                .Must(pattern => !string.IsNullOrWhiteSpace(pattern) && !pattern.Any(char.IsWhiteSpace))
                .WithMessage((_, pattern) => $"'{pattern}' must be a reference pattern without spaces, e.g. registry.k8s.io/* or *:stable")
                .OverridePropertyName("keep");
            RuleFor(s => s.DiskUsageAbove).InclusiveBetween(0, 100).WithMessage((_, p) => $"{p} must be a percentage from 0 to 100").OverridePropertyName("diskUsageAbove");
            RuleFor(s => s.DiskUsageTarget).InclusiveBetween(0, 100).WithMessage((_, p) => $"{p} must be a percentage from 0 to 100").OverridePropertyName("diskUsageTarget");
            RuleFor(s => s.DiskUsageTarget)
                .Null().When(s => s.DiskUsageAbove is null)
                .WithMessage("needs diskUsageAbove: the target says where to stop once usage went above it")
                .LessThan(s => s.DiskUsageAbove).When(s => s.DiskUsageTarget is not null && s.DiskUsageAbove is not null, ApplyConditionTo.CurrentValidator)
                .WithMessage((s, target) => $"{target} must be below diskUsageAbove ({s.DiskUsageAbove})")
                .OverridePropertyName("diskUsageTarget");
            RuleFor(s => s.Parallelism).GreaterThanOrEqualTo(1).WithMessage((_, n) => $"{n} must be at least 1").OverridePropertyName("parallelism");
        }
    }
}
