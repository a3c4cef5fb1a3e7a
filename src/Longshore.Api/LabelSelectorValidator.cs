using FluentValidation;
using k8s.Models;

namespace Longshore.Api;

/// <summary>A Kubernetes label selector: label keys and values, and the operators of match expressions with their values.</summary>
internal sealed class LabelSelectorValidator : AbstractValidator<V1LabelSelector>
{
    private static readonly string[] Operators = ["In", "NotIn", "Exists", "DoesNotExist"];

    public LabelSelectorValidator()
    {
        // A bad key is reported on matchLabels itself, a bad value on matchLabels[key], as Kubernetes does.
        RuleForEach(s => s.MatchLabels)
            .OverrideIndexer((_, _, _, _) => string.Empty)
            .Satisfies(label => LabelSelectorRules.KeyError(label.Key) is { } error ? $"key '{label.Key}' {error}" : null)
            .OverridePropertyName("matchLabels");
        RuleForEach(s => s.MatchLabels)
            .OverrideIndexer((_, _, label, _) => $"[{label.Key}]")
            .Satisfies(label => LabelSelectorRules.ValueError(label.Value) is { } error ? $"value '{label.Value}' {error}" : null)
            .OverridePropertyName("matchLabels");
        RuleForEach(s => s.MatchExpressions).SetValidator(new RequirementValidator()).OverridePropertyName("matchExpressions");
    }

    private sealed class RequirementValidator : AbstractValidator<V1LabelSelectorRequirement>
    {
        public RequirementValidator()
        {
            RuleFor(r => r.Key)
                .Satisfies(key => LabelSelectorRules.KeyError(key) is { } error ? $"'{key}' {error}" : null)
                .OverridePropertyName("key");
            RuleFor(r => r.OperatorProperty)
                .Must(op => Operators.Contains(op, StringComparer.Ordinal))
                .WithMessage((_, op) => $"'{op}' is not one of {string.Join(", ", Operators)}")
                .OverridePropertyName("operator");
            RuleFor(r => r.Values)
                .Must(values => values is { Count: > 0 })
                .When(r => r.OperatorProperty is "In" or "NotIn")
                .WithMessage(r => $"must not be empty for operator {r.OperatorProperty}")
                .OverridePropertyName("values");
            RuleFor(r => r.Values)
                .Must(values => values is not { Count: > 0 })
                .When(r => r.OperatorProperty is "Exists" or "DoesNotExist")
                .WithMessage(r => $"must be empty for operator {r.OperatorProperty}")
                .OverridePropertyName("values");
            RuleForEach(r => r.Values)
                .OverrideIndexer((_, _, _, _) => string.Empty)
                .Satisfies(value => LabelSelectorRules.ValueError(value) is { } error ? $"'{value}' {error}" : null)
                .OverridePropertyName("values");
        }
    }
}
