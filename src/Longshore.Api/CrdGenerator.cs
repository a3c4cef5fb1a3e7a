using System.Collections;
using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Longshore.Api;

/// <summary>
/// Generates CustomResourceDefinitions (apiextensions.k8s.io/v1, structural schemas) from the entity types, so the
/// YAML in config/crd/bases is never edited by hand and a test can tell when it drifted.
/// </summary>
public static class CrdGenerator
{
    /// <summary>Every kind of the API, in a stable order.</summary>
    public static IReadOnlyList<Type> Kinds { get; } = [typeof(V1Alpha1ImagePrePull), typeof(V1Alpha1ImagePolicy), typeof(V1Alpha1ImagePrune), typeof(V1Alpha1NodeImage)];

    public static V1CustomResourceDefinition Generate(Type entity)
    {
        ArgumentNullException.ThrowIfNull(entity);
        var kubernetes = entity.GetCustomAttribute<KubernetesEntityAttribute>() ?? throw new ArgumentException($"{entity.Name} has no [KubernetesEntity]", nameof(entity));
        var resource = entity.GetCustomAttribute<CustomResourceAttribute>() ?? new CustomResourceAttribute();
        var properties = new Dictionary<string, V1JSONSchemaProps>
        {
            ["apiVersion"] = new() { Type = "string", Description = "APIVersion defines the versioned schema of this representation of an object." },
            ["kind"] = new() { Type = "string", Description = "Kind is a string value representing the REST resource this object represents." },
            ["metadata"] = new() { Type = "object" },
        };
        var spec = entity.GetProperty("Spec")!;
        var status = entity.GetProperty("Status")!;
        properties["spec"] = Schema(spec.PropertyType, spec);
        properties["status"] = Schema(status.PropertyType, status);
        var root = new V1JSONSchemaProps
        {
            Type = "object",
            Description = entity.GetCustomAttribute<DescriptionAttribute>()?.Description,
            Properties = properties,
            Required = ["spec"],
        };

        var columns = entity.GetCustomAttributes<PrinterColumnAttribute>()
            .OrderBy(c => c.Order)
            .Select(c => new V1CustomResourceColumnDefinition
            {
                Name = c.Name,
                Type = c.Type,
                JsonPath = c.JsonPath,
                Description = c.Description,
                Priority = c.Priority == 0 ? null : c.Priority,
            })
            .ToList();

        return new V1CustomResourceDefinition
        {
            ApiVersion = "apiextensions.k8s.io/v1",
            Kind = "CustomResourceDefinition",
            Metadata = new V1ObjectMeta { Name = $"{kubernetes.PluralName}.{kubernetes.Group}" },
            Spec = new V1CustomResourceDefinitionSpec
            {
                Group = kubernetes.Group,
                Scope = resource.Namespaced ? "Namespaced" : "Cluster",
                Names = new V1CustomResourceDefinitionNames
                {
                    Kind = kubernetes.Kind,
                    ListKind = kubernetes.Kind + "List",
                    Plural = kubernetes.PluralName,
                    Singular = kubernetes.Kind.ToLowerInvariant(),
                    ShortNames = resource.ShortNames.Length > 0 ? resource.ShortNames.ToList() : null,
                    Categories = resource.Categories.Length > 0 ? resource.Categories.ToList() : null,
                },
                Versions =
                [
                    new V1CustomResourceDefinitionVersion
                    {
                        Name = kubernetes.ApiVersion,
                        Served = true,
                        Storage = true,
                        Schema = new V1CustomResourceValidation { OpenAPIV3Schema = root },
                        Subresources = new V1CustomResourceSubresources { Status = new object() },
                        AdditionalPrinterColumns = columns,
                    },
                ],
            },
        };
    }

    /// <summary>The CRD as YAML, as committed under config/crd/bases.</summary>
    public static string GenerateYaml(Type entity) => "# Generated from the C# types in src/Longshore.Api by `make manifests`; do not edit.\n" + KubernetesYaml.Serialize(Generate(entity));

    /// <summary>The file name controller-gen would use: group_plural.yaml.</summary>
    public static string FileName(Type entity)
    {
        var kubernetes = entity.GetCustomAttribute<KubernetesEntityAttribute>()!;
        return $"{kubernetes.Group}_{kubernetes.PluralName}.yaml";
    }

    /// <summary>Writes every CRD and a kustomization into <paramref name="folder"/>; returns the files written.</summary>
    public static IReadOnlyList<string> WriteAll(string folder)
    {
        Directory.CreateDirectory(folder);
        var written = new List<string>();
        foreach (var kind in Kinds)
        {
            var path = Path.Combine(folder, FileName(kind));
            File.WriteAllText(path, GenerateYaml(kind));
            written.Add(path);
        }

        return written;
    }

    private static V1JSONSchemaProps Schema(Type type, PropertyInfo? property)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        var schema = Known(underlying) ?? Structural(underlying);
        if (property is null)
        {
            return schema;
        }

        schema.Description = property.GetCustomAttribute<DescriptionAttribute>()?.Description ?? schema.Description;
        if (property.GetCustomAttribute<RangeAttribute>() is { } range)
        {
            schema.Minimum = Convert.ToDouble(range.Minimum, System.Globalization.CultureInfo.InvariantCulture);
            schema.Maximum = Convert.ToDouble(range.Maximum, System.Globalization.CultureInfo.InvariantCulture);
        }

        if (property.GetCustomAttribute<RegularExpressionAttribute>() is { } pattern)
        {
            schema.Pattern = pattern.Pattern;
        }

        if (property.GetCustomAttribute<MinLengthAttribute>() is { } min)
        {
            if (schema.Type == "array")
            {
                schema.MinItems = min.Length;
            }
            else
            {
                schema.MinLength = min.Length;
            }
        }

        if (property.GetCustomAttribute<MaxLengthAttribute>() is { } max)
        {
            if (schema.Type == "array")
            {
                schema.MaxItems = max.Length;
            }
            else
            {
                schema.MaxLength = max.Length;
            }
        }

        if (property.GetCustomAttribute<EnumValuesAttribute>() is { } values)
        {
            schema.EnumProperty = values.Values.Cast<object>().ToList();
        }

        if (property.GetCustomAttribute<SchemaDefaultAttribute>() is { } @default)
        {
            schema.DefaultProperty = @default.Value;
        }

        return schema;
    }

    private static V1JSONSchemaProps? Known(Type type)
    {
        if (type.IsEnum)
        {
            // Enums travel as their names (JsonStringEnumConverter on the enum type).
            return new V1JSONSchemaProps { Type = "string", EnumProperty = Enum.GetNames(type).Cast<object>().ToList() };
        }

        if (type == typeof(string))
        {
            return new V1JSONSchemaProps { Type = "string" };
        }

        if (type == typeof(int))
        {
            return new V1JSONSchemaProps { Type = "integer", Format = "int32" };
        }

        if (type == typeof(long))
        {
            return new V1JSONSchemaProps { Type = "integer", Format = "int64" };
        }

        if (type == typeof(bool))
        {
            return new V1JSONSchemaProps { Type = "boolean" };
        }

        if (type == typeof(DateTime) || type == typeof(DateTimeOffset))
        {
            return new V1JSONSchemaProps { Type = "string", Format = "date-time" };
        }

        if (type == typeof(V1LabelSelector))
        {
            return KubernetesSchemas.LabelSelector();
        }

        if (type == typeof(V1Toleration))
        {
            return KubernetesSchemas.Toleration();
        }

        if (type == typeof(V1LocalObjectReference))
        {
            return KubernetesSchemas.LocalObjectReference();
        }

        if (type == typeof(V1Condition))
        {
            return KubernetesSchemas.Condition();
        }

        if (type.IsGenericType && typeof(IDictionary).IsAssignableFrom(type))
        {
            return new V1JSONSchemaProps { Type = "object", AdditionalProperties = Schema(type.GetGenericArguments()[1], null) };
        }

        if (type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type))
        {
            return new V1JSONSchemaProps { Type = "array", Items = Schema(type.GetGenericArguments()[0], null) };
        }

        return null;
    }

    private static V1JSONSchemaProps Structural(Type type)
    {
        var properties = new Dictionary<string, V1JSONSchemaProps>();
        var required = new List<string>();
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var name = property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? throw new InvalidOperationException($"{type.Name}.{property.Name} has no [JsonPropertyName]");
            properties[name] = Schema(property.PropertyType, property);
            if (property.GetCustomAttribute<RequiredAttribute>() is not null)
            {
                required.Add(name);
            }
        }

        return new V1JSONSchemaProps
        {
            Type = "object",
            Description = type.GetCustomAttribute<DescriptionAttribute>()?.Description,
            Properties = properties,
            Required = required.Count > 0 ? required : null,
        };
    }
}
