using FluentValidation;

namespace Longshore.Api;

/// <summary>Rules for ImagePrePull beyond the schema: reference grammar, durations, selectors, tolerations, platform.</summary>
public sealed class ImagePrePullValidator : AbstractValidator<V1Alpha1ImagePrePull>
{
    private static readonly string[] Effects = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

    public ImagePrePullValidator() => RuleFor(x => x).Custom((pull, context) => Check(pull).Report(context));

    private static FieldProblems Check(V1Alpha1ImagePrePull pull)
    {
        var problems = new FieldProblems();
        var spec = pull.Spec;
        if (spec is null)
        {
            problems.Add("spec", "is required");
            return problems;
        }

        if (spec.Images is not { Count: > 0 })
        {
            problems.Add("spec.images", "must list at least one image");
        }

        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < (spec.Images?.Count ?? 0); i++)
        {
            if (problems.Reference($"spec.images[{i}]", spec.Images![i]) is { } reference && !seen.TryAdd(reference.ToString(), i))
            {
                problems.Add($"spec.images[{i}]", $"'{spec.Images[i]}' repeats spec.images[{seen[reference.ToString()]}]");
            }
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (spec.NodeNames?.Count ?? 0); i++)
        {
            var name = spec.NodeNames![i];
            if (string.IsNullOrWhiteSpace(name) || name.Length > 253 || LabelSelectorRules.KeyError(name) is not null || name.Contains('/', StringComparison.Ordinal))
            {
                problems.Add($"spec.nodeNames[{i}]", $"'{name}' is not a valid node name");
            }
            else if (!names.Add(name))
            {
                problems.Add($"spec.nodeNames[{i}]", $"'{name}' is listed twice");
            }
        }

        problems.AddRange(LabelSelectorRules.Validate(spec.NodeSelector, "spec.nodeSelector"));
        for (var i = 0; i < (spec.Tolerations?.Count ?? 0); i++)
        {
            var toleration = spec.Tolerations![i];
            var at = $"spec.tolerations[{i}]";
            problems.OneOf($"{at}.operator", toleration.OperatorProperty, "Exists", "Equal");
            problems.OneOf($"{at}.effect", string.IsNullOrEmpty(toleration.Effect) ? null : toleration.Effect, Effects);
            if (toleration.OperatorProperty == "Exists" && !string.IsNullOrEmpty(toleration.Value))
            {
                problems.Add($"{at}.value", "must be empty when operator is Exists");
            }

            if (string.IsNullOrEmpty(toleration.Key) && toleration.OperatorProperty != "Exists")
            {
                problems.Add($"{at}.operator", "must be Exists when key is empty (tolerate every taint)");
            }
        }

        problems.Secrets("spec.imagePullSecrets", spec.ImagePullSecrets);
        if (spec.Parallelism < 1)
        {
            problems.Add("spec.parallelism", $"{spec.Parallelism} must be at least 1");
        }

        if (spec.BackoffLimit < 0)
        {
            problems.Add("spec.backoffLimit", $"{spec.BackoffLimit} must not be negative");
        }

        problems.Duration("spec.pullTimeout", spec.PullTimeout, TimeSpan.FromHours(24));
        problems.Platform("spec.platform", spec.Platform);
        return problems;
    }
}
