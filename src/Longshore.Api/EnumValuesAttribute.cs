namespace Longshore.Api;

/// <summary>The only values a string field accepts (an <c>enum</c> in the CRD schema).</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class EnumValuesAttribute(params string[] values) : Attribute
{
    public IReadOnlyList<string> Values { get; } = values;
}
