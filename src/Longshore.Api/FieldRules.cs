using FluentValidation;
using Longshore.Oci;

namespace Longshore.Api;

/// <summary>
/// Rules the kinds share, as FluentValidation rule-builder extensions: each one checks a value and, when it fails,
/// says what is wrong in the words the webhook returns (the field path comes from the rule).
/// </summary>
internal static class FieldRules
{
    /// <summary>Fails with the message <paramref name="problem"/> gives, when it gives one.</summary>
    public static IRuleBuilderOptions<T, TProperty> Satisfies<T, TProperty>(this IRuleBuilder<T, TProperty> rule, Func<TProperty, string?> problem) =>
        rule.Must(value => problem(value) is null).WithMessage((_, value) => problem(value) ?? string.Empty);

    public static IRuleBuilderOptions<T, string> ImageReference<T>(this IRuleBuilder<T, string> rule) => rule.Satisfies(ReferenceProblem);

    public static IRuleBuilderOptions<T, string?> GoDuration<T>(this IRuleBuilder<T, string?> rule, TimeSpan? max = null) => rule.Satisfies(value => DurationProblem(value, max));

    public static IRuleBuilderOptions<T, string?> Platform<T>(this IRuleBuilder<T, string?> rule) => rule.Satisfies(PlatformProblem);

    public static IRuleBuilderOptions<T, string?> OneOf<T>(this IRuleBuilder<T, string?> rule, params string[] allowed) =>
        rule.Satisfies(value => value is null || allowed.Contains(value, StringComparer.Ordinal) ? null : $"'{value}' is not one of {string.Join(", ", allowed)}");

    public static IRuleBuilderOptions<T, string?> Digest<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Satisfies(value => value is null || Oci.Digest.TryParse(value, out _) ? null : $"'{value}' is not a digest: expected sha256:<64 hex characters>");

    /// <summary><c>imagePullSecrets[i].name</c> names a Secret.</summary>
    public static IRuleBuilderOptions<T, k8s.Models.V1LocalObjectReference> NamedSecret<T>(this IRuleBuilder<T, k8s.Models.V1LocalObjectReference> rule) =>
        rule.ChildRules(secret => secret.RuleFor(s => s.Name)
            .Must(name => !string.IsNullOrWhiteSpace(name))
            .WithMessage("must name a Secret in the same namespace")
            .OverridePropertyName("name"));

    /// <summary>The reference, or null when it does not parse.</summary>
    public static ImageReference? ParseReference(string? value) =>
        !string.IsNullOrWhiteSpace(value) && Oci.ImageReference.TryParse(value, out var reference) ? reference : null;

    public static string? ReferenceProblem(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return "must not be empty: expected an image reference such as registry.example.com/app:1.0";
        }

        try
        {
            Oci.ImageReference.Parse(value);
            return null;
        }
        catch (OciFormatException e)
        {
            return $"'{value}' is not a valid image reference: {e.Message}";
        }
    }

    private static string? DurationProblem(string? value, TimeSpan? max)
    {
        if (value is null)
        {
            return null;
        }

        if (!Api.GoDuration.TryParse(value, out var duration, out var error))
        {
            return error;
        }

        if (duration <= TimeSpan.Zero)
        {
            return $"'{value}' must be longer than zero";
        }

        return max is { } limit && duration > limit ? $"'{value}' is longer than the maximum of {limit}" : null;
    }

    private static string? PlatformProblem(string? value)
    {
        if (value is null)
        {
            return null;
        }

        try
        {
            Oci.Platform.Parse(value);
            return null;
        }
        catch (OciFormatException e)
        {
            return e.Message;
        }
    }
}
