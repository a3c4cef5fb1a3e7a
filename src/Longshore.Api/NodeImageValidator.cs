using FluentValidation;
using Longshore.Oci;

namespace Longshore.Api;

/// <summary>Rules for NodeImage specs (written by the operator; checked so a bad write is caught at the API server).</summary>
public sealed class NodeImageValidator : AbstractValidator<V1Alpha1NodeImage>
{
    public NodeImageValidator() => RuleFor(x => x).Custom((node, context) => Check(node).Report(context));

    private static FieldProblems Check(V1Alpha1NodeImage node)
    {
        var problems = new FieldProblems();
        var spec = node.Spec ?? new NodeImageSpec();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (spec.Images?.Count ?? 0); i++)
        {
            var image = spec.Images![i];
            var at = $"spec.images[{i}]";
            if (problems.Reference($"{at}.reference", image.Reference) is { } reference && !seen.Add(reference.ToString() + "|" + image.Platform))
            {
                problems.Add($"{at}.reference", $"'{image.Reference}' is listed twice for the same platform");
            }

            if (image.Digest is not null && !Digest.TryParse(image.Digest, out _))
            {
                problems.Add($"{at}.digest", $"'{image.Digest}' is not a digest: expected sha256:<64 hex characters>");
            }

            if (image.RepoDigest is not null && !Digest.TryParse(image.RepoDigest, out _))
            {
                problems.Add($"{at}.repoDigest", $"'{image.RepoDigest}' is not a digest: expected sha256:<64 hex characters>");
            }

            if (image.Owners is not { Count: > 0 })
            {
                problems.Add($"{at}.owners", "must name at least one owner");
            }

            for (var o = 0; o < (image.Owners?.Count ?? 0); o++)
            {
                problems.OneOf($"{at}.owners[{o}].kind", image.Owners![o].Kind, "ImagePrePull", "ImagePolicy");
                if (string.IsNullOrEmpty(image.Owners[o].Name))
                {
                    problems.Add($"{at}.owners[{o}].name", "must not be empty");
                }
            }

            problems.Duration($"{at}.pullTimeout", image.PullTimeout, TimeSpan.FromHours(24));
            problems.Platform($"{at}.platform", image.Platform);
        }

        for (var i = 0; i < (spec.PruneRequests?.Count ?? 0); i++)
        {
            var request = spec.PruneRequests![i];
            var at = $"spec.pruneRequests[{i}]";
            if (string.IsNullOrEmpty(request.Name))
            {
                problems.Add($"{at}.name", "must name the ImagePrune");
            }

            if (string.IsNullOrEmpty(request.RunId))
            {
                problems.Add($"{at}.runId", "must not be empty");
            }

            problems.OneOf($"{at}.mode", request.Mode, "Dangling", "Unused");
            problems.Duration($"{at}.olderThan", request.OlderThan);
        }

        return problems;
    }
}
