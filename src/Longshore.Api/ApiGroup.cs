namespace Longshore.Api;

/// <summary>The API group and version of every Longshore kind.</summary>
public static class ApiGroup
{
    public const string Name = "longshore.io";
    public const string Version = "v1alpha1";
    public const string ApiVersion = Name + "/" + Version;
}
