using System.CommandLine;
using Longshore.Agent;
using Longshore.Registry;
using Longshore.Runtime;

namespace Longshore.Cli;

/// <summary><c>longshore agent --standalone --manifests DIR</c>: the agent's GitOps loop for one host, no cluster needed.</summary>
internal static class AgentCommand
{
    public static Command Build(GlobalOptions globals, CliEnvironment environment)
    {
        var standalone = new Option<bool>("--standalone") { Description = "Run without a cluster, from a folder of ImagePrePull YAML (the only mode of this command)", Required = true };
        var manifests = new Option<string>("--manifests") { Description = "Folder of ImagePrePull YAML files; re-read when it changes", Required = true };
        var socket = new Option<string?>("--runtime-socket") { Description = "CRI socket (default: detect containerd, k3s, CRI-O)" };
        var embedded = new Option<bool>("--embedded") { Description = "Use the embedded store (--store) instead of a CRI runtime" };
        var resync = new Option<int>("--resync-seconds") { Description = "Look again this often even without changes", DefaultValueFactory = _ => 30 };
        var command = new Command("agent", "Keep the images a folder of ImagePrePulls lists present and pinned on this machine") { standalone, manifests, socket, embedded, resync };
        command.SetAction(async (parse, ct) =>
        {
            var folder = parse.GetRequiredValue(manifests);
            if (!Directory.Exists(folder))
            {
                throw new CliException($"--manifests: folder {folder} does not exist", 2);
            }

            IImageRuntime runtime;
            if (parse.GetValue(embedded))
            {
                runtime = new EmbeddedImageRuntime(globals.OpenStore(parse, environment), new RegistryClientOptions { Credentials = globals.Credentials(environment).Find });
            }
            else
            {
                var path = CriSockets.Detect(parse.GetValue(socket)) ?? throw new CliException($"no CRI socket found (tried {string.Join(", ", CriSockets.Known)}); pass --runtime-socket or --embedded");
                runtime = new CriImageRuntime(path);
            }

            await using (runtime)
            {
                var agent = new StandaloneAgent(folder, runtime, TimeSpan.FromSeconds(parse.GetValue(resync)));
                await environment.Output.WriteLineAsync($"applying {folder} to {(await runtime.InfoAsync(ct)).Name}; Ctrl+C stops");
                await agent.RunAsync(ct);
            }

            return 0;
        });
        return command;
    }
}
