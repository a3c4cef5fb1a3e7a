using FluentValidation;
using Longshore.Oci;

namespace Longshore.Api;

/// <summary>Rules for ImagePolicy: repositories without tags, exactly one of tag and semver, mode, cron, selector.</summary>
public sealed class ImagePolicyValidator : AbstractValidator<V1Alpha1ImagePolicy>
{
    public ImagePolicyValidator() => RuleFor(x => x).Custom((policy, context) => Check(policy).Report(context));

    private static FieldProblems Check(V1Alpha1ImagePolicy policy)
    {
        var problems = new FieldProblems();
        var spec = policy.Spec;
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
            var image = spec.Images![i];
            var at = $"spec.images[{i}]";
            if (problems.Reference($"{at}.repository", image.Repository) is { } reference)
            {
                var parsed = ImageReference.Parse(image.Repository, defaultTag: false);
                if (parsed.Tag is not null || parsed.Digest is not null)
                {
                    problems.Add($"{at}.repository", $"'{image.Repository}' carries a tag or digest: name only the repository and use tag or semver");
                }
                else if (!seen.TryAdd(reference.Repository, i))
                {
                    problems.Add($"{at}.repository", $"'{image.Repository}' repeats spec.images[{seen[reference.Repository]}]");
                }
            }

            if ((image.Tag is null) == (image.Semver is null))
            {
                problems.Add(at, "set exactly one of tag and semver");
            }

            if (image.Tag is not null && !ImageReference.TryParse("x:" + image.Tag, out _))
            {
                problems.Add($"{at}.tag", $"'{image.Tag}' is not a valid tag: up to 128 characters of letters, digits, '_', '.' and '-', not starting with '.' or '-'");
            }

            if (image.Semver is not null && SemverRange.Validate(image.Semver) is { } error)
            {
                problems.Add($"{at}.semver", error);
            }
        }

        problems.OneOf("spec.mode", spec.Mode, "Audit", "Pin", "Enforce");
        if (CronSchedule.Validate(spec.RefreshSchedule) is { } cron)
        {
            problems.Add("spec.refreshSchedule", cron);
        }

        problems.AddRange(LabelSelectorRules.Validate(spec.NodeSelector, "spec.nodeSelector"));
        if (spec.NodeSelector is not null && !spec.EnsureOnNodes)
        {
            problems.Add("spec.nodeSelector", "is only used with ensureOnNodes: true");
        }

        problems.Secrets("spec.imagePullSecrets", spec.ImagePullSecrets);
        return problems;
    }
}
