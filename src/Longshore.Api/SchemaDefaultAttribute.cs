namespace Longshore.Api;

/// <summary>The value the API server fills in when the field is absent (a structural-schema <c>default</c>).</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class SchemaDefaultAttribute(object value) : Attribute
{
    public object Value { get; } = value;
}
