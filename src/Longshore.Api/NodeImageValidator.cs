using FluentValidation;

namespace Longshore.Api;

/// <summary>Rules for NodeImage specs (written by the operator; checked so a bad write is caught at the API server).</summary>
public sealed class NodeImageValidator : AbstractValidator<V1Alpha1NodeImage>
{
    public NodeImageValidator() => RuleFor(n => n.Spec).SetValidator(new SpecValidator()).OverridePropertyName("spec");

    private sealed class SpecValidator : AbstractValidator<NodeImageSpec>
    {
        public SpecValidator()
        {
            RuleForEach(s => ListedItem<WantedImage>.Of(s.Images, Key))
                .SetValidator(new WantedImageValidator())
                .OverridePropertyName("images");
            RuleForEach(s => s.PruneRequests).SetValidator(new PruneRequestValidator()).OverridePropertyName("pruneRequests");
        }
    }

    /// <summary>
    /// One entry per image, digest and platform: while a tag moves, owners that resolved it at different times each keep
    /// their digest's entry.
    /// </summary>
    private static string? Key(WantedImage image) =>
        FieldRules.ParseReference(image.Reference) is { } reference ? reference + "|" + image.Digest + "|" + image.Platform : null;

    private sealed class WantedImageValidator : AbstractValidator<ListedItem<WantedImage>>
    {
        public WantedImageValidator()
        {
            RuleFor(i => i.Value.Reference)
                .Cascade(CascadeMode.Stop)
                .ImageReference()
                .Must((image, _) => image.RepeatOf is null)
                .WithMessage((_, reference) => $"'{reference}' is listed twice for the same digest and platform")
                .OverridePropertyName("reference");
            RuleFor(i => i.Value.Digest).Digest().OverridePropertyName("digest");
            RuleFor(i => i.Value.RepoDigest).Digest().OverridePropertyName("repoDigest");
            RuleFor(i => i.Value.Owners).Must(owners => owners is { Count: > 0 }).WithMessage("must name at least one owner").OverridePropertyName("owners");
            RuleForEach(i => i.Value.Owners).ChildRules(owner =>
            {
                owner.RuleFor(o => o.Kind).OneOf("ImagePrePull", "ImagePolicy").OverridePropertyName("kind");
                owner.RuleFor(o => o.Name).Must(name => !string.IsNullOrEmpty(name)).WithMessage("must not be empty").OverridePropertyName("name");
            }).OverridePropertyName("owners");
            RuleFor(i => i.Value.PullTimeout).GoDuration(TimeSpan.FromHours(24)).OverridePropertyName("pullTimeout");
            RuleFor(i => i.Value.Platform).Platform().OverridePropertyName("platform");
        }
    }

    private sealed class PruneRequestValidator : AbstractValidator<PruneRequest>
    {
        public PruneRequestValidator()
        {
            RuleFor(r => r.Name).Must(name => !string.IsNullOrEmpty(name)).WithMessage("must name the ImagePrune").OverridePropertyName("name");
            RuleFor(r => r.RunId).Must(id => !string.IsNullOrEmpty(id)).WithMessage("must not be empty").OverridePropertyName("runId");
            RuleFor(r => r.Mode).OneOf("Dangling", "Unused").OverridePropertyName("mode");
            RuleFor(r => r.OlderThan).GoDuration().OverridePropertyName("olderThan");
            RuleForEach(r => r.Keep)
                .Must(pattern => !string.IsNullOrWhiteSpace(pattern) && !pattern.Any(char.IsWhiteSpace))
                .WithMessage((_, pattern) => $"'{pattern}' must be a reference pattern without spaces, e.g. registry.k8s.io/* or *:stable")
                .OverridePropertyName("keep");
            RuleFor(r => r.DiskUsageAbove).InclusiveBetween(0, 100).WithMessage((_, p) => $"{p} must be a percentage from 0 to 100").OverridePropertyName("diskUsageAbove");
            RuleFor(r => r.DiskUsageTarget).InclusiveBetween(0, 100).WithMessage((_, p) => $"{p} must be a percentage from 0 to 100").OverridePropertyName("diskUsageTarget");
            RuleFor(r => r.DiskUsageTarget)
                .Null().When(r => r.DiskUsageAbove is null)
                .WithMessage("needs diskUsageAbove: the target says where to stop once usage went above it")
                .LessThan(r => r.DiskUsageAbove).When(r => r.DiskUsageTarget is not null && r.DiskUsageAbove is not null, ApplyConditionTo.CurrentValidator)
                .WithMessage((r, target) => $"{target} must be below diskUsageAbove ({r.DiskUsageAbove})")
                .OverridePropertyName("diskUsageTarget");
        }
    }
}
