using FluentValidation;
using k8s.Models;

namespace Longshore.Api;

/// <summary>Rules for ImagePrePull beyond the schema: reference grammar, durations, selectors, tolerations, platform.</summary>
public sealed class ImagePrePullValidator : AbstractValidator<V1Alpha1ImagePrePull>
{
    public ImagePrePullValidator() =>
        RuleFor(p => p.Spec).NotNull().WithMessage("is required").SetValidator(new SpecValidator()).OverridePropertyName("spec");

    private sealed class SpecValidator : AbstractValidator<ImagePrePullSpec>
    {
        public SpecValidator()
        {
            RuleFor(s => s.Images).Must(images => images is { Count: > 0 }).WithMessage("must list at least one image").OverridePropertyName("images");
            RuleForEach(s => ListedItem<string>.Of(s.Images, ReferenceKey))
                .Satisfies(image => FieldRules.ReferenceProblem(image.Value))
                .Must(image => image.RepeatOf is null).WithMessage((_, image) => $"'{image.Value}' repeats spec.images[{image.RepeatOf}]")
                .OverridePropertyName("images");
            RuleForEach(s => ListedItem<string>.Of(s.NodeNames, name => name))
                .Must(name => IsNodeName(name.Value)).WithMessage((_, name) => $"'{name.Value}' is not a valid node name")
                .Must(name => name.RepeatOf is null || !IsNodeName(name.Value)).WithMessage((_, name) => $"'{name.Value}' is listed twice")
                .OverridePropertyName("nodeNames");
            RuleFor(s => s.NodeSelector!).SetValidator(new LabelSelectorValidator()).OverridePropertyName("nodeSelector");
            RuleForEach(s => s.Tolerations).SetValidator(new TolerationValidator()).OverridePropertyName("tolerations");
            RuleForEach(s => s.ImagePullSecrets).NamedSecret().OverridePropertyName("imagePullSecrets");
            RuleFor(s => s.Parallelism).GreaterThanOrEqualTo(1).WithMessage((_, n) => $"{n} must be at least 1").OverridePropertyName("parallelism");
            RuleFor(s => s.BackoffLimit).GreaterThanOrEqualTo(0).WithMessage((_, n) => $"{n} must not be negative").OverridePropertyName("backoffLimit");
            RuleFor(s => (string?)s.PullTimeout).GoDuration(TimeSpan.FromHours(24)).OverridePropertyName("pullTimeout");
            RuleFor(s => s.Platform).Platform().OverridePropertyName("platform");
        }

        /// <summary>References repeat when they normalise alike (app:1 and docker.io/library/app:1).</summary>
        private static string? ReferenceKey(string image) => FieldRules.ParseReference(image)?.ToString();

        private static bool IsNodeName(string? name) =>
            !string.IsNullOrWhiteSpace(name) && name.Length <= 253 && LabelSelectorRules.KeyError(name) is null && !name.Contains('/', StringComparison.Ordinal);
    }

    private sealed class TolerationValidator : AbstractValidator<V1Toleration>
    {
        private static readonly string[] Effects = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

        public TolerationValidator()
        {
            RuleFor(t => t.OperatorProperty).OneOf("Exists", "Equal").OverridePropertyName("operator");
            RuleFor(t => t.Effect).OneOf(Effects).When(t => !string.IsNullOrEmpty(t.Effect)).OverridePropertyName("effect");
            RuleFor(t => t.Value)
                .Must(string.IsNullOrEmpty).When(t => t.OperatorProperty == "Exists")
                .WithMessage("must be empty when operator is Exists")
                .OverridePropertyName("value");
            RuleFor(t => t.OperatorProperty)
                .Equal("Exists").When(t => string.IsNullOrEmpty(t.Key))
                .WithMessage("must be Exists when key is empty (tolerate every taint)")
                .OverridePropertyName("operator");
        }
    }
}
