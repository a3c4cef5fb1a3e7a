using k8s;
using Longshore.TestBed;
using Longshore.Testing;

namespace Longshore.Api.Tests;

internal static class Samples
{
    public static string Folder => KubeApiServer.RepositoryFile("config/samples");

    public static T Load<T>(string file) => KubernetesYaml.Deserialize<T>(File.ReadAllText(Path.Combine(Folder, file)));

    public static IEnumerable<string> Messages(FluentValidation.Results.ValidationResult result) =>
        result.Errors.Select(e => $"{e.PropertyName}: {e.ErrorMessage}");
}
