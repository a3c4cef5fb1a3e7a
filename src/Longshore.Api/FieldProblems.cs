using FluentValidation;
using Longshore.Oci;

namespace Longshore.Api;

/// <summary>Collects problems with their field paths (<c>spec.images[1]</c>) and the checks the kinds share.</summary>
internal sealed class FieldProblems
{
    private readonly List<(string Path, string Message)> _problems = [];

    public IReadOnlyList<(string Path, string Message)> All => _problems;

    public void Add(string path, string message) => _problems.Add((path, message));

    public void AddRange(IEnumerable<(string Path, string Message)> problems) => _problems.AddRange(problems);

    public void Report<T>(ValidationContext<T> context)
    {
        foreach (var (path, message) in _problems)
        {
            context.AddFailure(path, message);
        }
    }

    public ImageReference? Reference(string path, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            Add(path, "must not be empty: expected an image reference such as registry.example.com/app:1.0");
            return null;
        }

        try
        {
            return ImageReference.Parse(value);
        }
        catch (OciFormatException e)
        {
            Add(path, $"'{value}' is not a valid image reference: {e.Message}");
            return null;
        }
    }

    public void Duration(string path, string? value, TimeSpan? max = null)
    {
        if (value is null)
        {
            return;
        }

        if (!GoDuration.TryParse(value, out var duration, out var error))
        {
            Add(path, error);
        }
        else if (duration <= TimeSpan.Zero)
        {
            Add(path, $"'{value}' must be longer than zero");
        }
        else if (max is { } limit && duration > limit)
        {
            Add(path, $"'{value}' is longer than the maximum of {limit}");
        }
    }

    public void Platform(string path, string? value)
    {
        if (value is null)
        {
            return;
        }

        try
        {
            Oci.Platform.Parse(value);
        }
        catch (OciFormatException e)
        {
            Add(path, e.Message);
        }
    }

    public void OneOf(string path, string? value, params string[] allowed)
    {
        if (value is not null && !allowed.Contains(value, StringComparer.Ordinal))
        {
            Add(path, $"'{value}' is not one of {string.Join(", ", allowed)}");
        }
    }

    public void Secrets(string path, IList<k8s.Models.V1LocalObjectReference>? secrets)
    {
        for (var i = 0; i < (secrets?.Count ?? 0); i++)
        {
            if (string.IsNullOrWhiteSpace(secrets![i].Name))
            {
                Add($"{path}[{i}].name", "must name a Secret in the same namespace");
            }
        }
    }
}
