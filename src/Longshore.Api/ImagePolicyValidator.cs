using FluentValidation;
using Longshore.Oci;

namespace Longshore.Api;

/// <summary>Rules for ImagePolicy: repositories without tags, exactly one of tag and semver, mode, cron, selector.</summary>
public sealed class ImagePolicyValidator : AbstractValidator<V1Alpha1ImagePolicy>
{
    public ImagePolicyValidator() =>
        RuleFor(p => p.Spec).NotNull().WithMessage("is required").SetValidator(new SpecValidator()).OverridePropertyName("spec");

    /// <summary>The repository an entry names, when it parses and carries neither tag nor digest (only those can repeat).</summary>
    private static string? Repository(PolicyImage image) =>
        FieldRules.ParseReference(image.Repository) is not null && ImageReference.Parse(image.Repository, defaultTag: false) is { Tag: null, Digest: null } bare
            ? bare.Repository
            : null;

    private sealed class SpecValidator : AbstractValidator<ImagePolicySpec>
    {
        public SpecValidator()
        {
            RuleFor(s => s.Images).Must(images => images is { Count: > 0 }).WithMessage("must list at least one image").OverridePropertyName("images");
            RuleForEach(s => ListedItem<PolicyImage>.Of(s.Images, Repository))
                .Must(image => (image.Value.Tag is null) != (image.Value.Semver is null)).WithMessage("set exactly one of tag and semver")
                .SetValidator(new ImageValidator())
                .OverridePropertyName("images");
            RuleFor(s => s.Mode).OneOf("Audit", "Pin", "Enforce").OverridePropertyName("mode");
            RuleFor(s => s.RefreshSchedule).Satisfies(CronSchedule.Validate).OverridePropertyName("refreshSchedule");
            RuleFor(s => s.TimeZone)
                .Must(zone => TimeZoneInfo.TryFindSystemTimeZoneById(zone!, out _)).When(s => s.TimeZone is not null)
                .WithMessage((_, zone) => $"'{zone}' is not a known IANA time zone (e.g. Europe/Berlin, UTC)")
                .OverridePropertyName("timeZone");
            RuleFor(s => s.PodSelector!).SetValidator(new LabelSelectorValidator()).OverridePropertyName("podSelector");
            RuleFor(s => s.NodeSelector!).SetValidator(new LabelSelectorValidator()).OverridePropertyName("nodeSelector");
            RuleFor(s => s.NodeSelector)
                .Null().When(s => !s.EnsureOnNodes)
                .WithMessage("is only used with ensureOnNodes: true")
                .OverridePropertyName("nodeSelector");
            RuleForEach(s => s.ImagePullSecrets).NamedSecret().OverridePropertyName("imagePullSecrets");
        }
    }

    private sealed class ImageValidator : AbstractValidator<ListedItem<PolicyImage>>
    {
        public ImageValidator()
        {
            RuleFor(i => i.Value.Repository)
                .Cascade(CascadeMode.Stop)
                .ImageReference()
                .Must(repository => ImageReference.Parse(repository, defaultTag: false) is { Tag: null, Digest: null })
                .WithMessage((_, repository) => $"'{repository}' carries a tag or digest: name only the repository and use tag or semver")
                .Must((image, _) => image.RepeatOf is null)
                .WithMessage((image, repository) => $"'{repository}' repeats spec.images[{image.RepeatOf}]")
                .OverridePropertyName("repository");
            RuleFor(i => i.Value.Tag)
                .Must(tag => ImageReference.TryParse("x:" + tag, out _)).When(i => i.Value.Tag is not null)
                .WithMessage((_, tag) => $"'{tag}' is not a valid tag: up to 128 characters of letters, digits, '_', '.' and '-', not starting with '.' or '-'")
                .OverridePropertyName("tag");
            RuleFor(i => i.Value.UpdatePolicy).OneOf("Follow", "Hold").OverridePropertyName("updatePolicy");
            RuleFor(i => i.Value.Digest)
                .Cascade(CascadeMode.Stop)
                .Digest()
                .Must((image, _) => image.Value.UpdatePolicy == "Hold")
                .WithMessage("is the approved digest of updatePolicy Hold: set updatePolicy: Hold, or remove digest to follow the tag")
                .When(i => i.Value.Digest is not null)
                .OverridePropertyName("digest");
            RuleFor(i => i.Value.Semver).Satisfies(SemverRange.Validate).When(i => i.Value.Semver is not null).OverridePropertyName("semver");
        }
    }
}
