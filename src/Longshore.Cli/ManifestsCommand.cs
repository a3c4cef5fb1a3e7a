using System.CommandLine;
using Longshore.Api;

namespace Longshore.Cli;

/// <summary><c>longshore manifests</c>: writes the CRDs generated from the API types.</summary>
internal static class ManifestsCommand
{
    public static Command Build(CliEnvironment environment)
    {
        var output = new Option<string>("--output", "-o") { Description = "Folder for the CRD YAML", DefaultValueFactory = _ => "config/crd/bases" };
        var command = new Command("manifests", "Write the CustomResourceDefinitions generated from the API types") { output };
        command.SetAction(parse =>
        {
            foreach (var file in CrdGenerator.WriteAll(parse.GetRequiredValue(output)))
            {
                environment.Output.WriteLine($"wrote {file}");
            }

            return 0;
        });
        return command;
    }
}
