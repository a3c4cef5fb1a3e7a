namespace Longshore.Api;

/// <summary>CRD facts the entity attribute cannot carry: scope, short names and categories.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class CustomResourceAttribute : Attribute
{
    public bool Namespaced { get; init; } = true;

    public string[] ShortNames { get; init; } = [];

    public string[] Categories { get; init; } = ["longshore"];
}
