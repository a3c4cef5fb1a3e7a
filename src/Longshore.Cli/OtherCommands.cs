using System.CommandLine;
using System.Text;
using System.Text.Json;
using Longshore.Oci;

namespace Longshore.Cli;

/// <summary><c>manifest inspect</c>, <c>resolve</c>, <c>login</c>, <c>logout</c> and <c>fsck</c>.</summary>
internal static class OtherCommands
{
    public static Command Manifest(GlobalOptions globals, CliEnvironment environment)
    {
        var reference = new Argument<string>("reference") { Description = "Remote image: name[:tag] or name@digest" };
        var inspect = new Command("inspect", "Print a remote manifest or manifest list, as the registry serves it") { reference };
        inspect.SetAction(async (parse, ct) =>
        {
            var target = GlobalOptions.ParseReference(parse.GetRequiredValue(reference), "reference");
            using var registry = globals.Registry(parse, environment);
            var document = await registry.GetManifestAsync(target, ct);
            using var json = JsonDocument.Parse(document.Content);
            await environment.Output.WriteLineAsync(JsonSerializer.Serialize(json.RootElement, OutputFormat.Json));
            return 0;
        });
        var manifest = new Command("manifest", "Inspect manifests in registries");
        manifest.Add(inspect);
        return manifest;
    }

    public static Command Resolve(GlobalOptions globals, CliEnvironment environment)
    {
        var reference = new Argument<string>("reference") { Description = "Image: name[:tag]" };
        var platform = new Option<string?>("--platform") { Description = "Resolve to this platform's manifest instead of what the tag points at" };
        var command = new Command("resolve", "Print the fully qualified reference with its digest") { reference, platform };
        command.SetAction(async (parse, ct) =>
        {
            var target = GlobalOptions.ParseReference(parse.GetRequiredValue(reference), "reference");
            using var registry = globals.Registry(parse, environment);
            Digest digest;
            if (GlobalOptions.ParsePlatform(parse.GetValue(platform)) is { } wanted)
            {
                digest = (await registry.ResolvePlatformAsync(target, wanted, ct)).Manifest.Digest;
            }
            else
            {
                digest = (await registry.ResolveAsync(target, ct)).Digest;
            }

            await environment.Output.WriteLineAsync($"{target.WithDigest(null)}@{digest}");
            return 0;
        });
        return command;
    }

    public static Command Login(GlobalOptions globals, CliEnvironment environment)
    {
        var registryHost = new Argument<string>("registry") { Description = "Registry host[:port]" };
        var username = new Option<string?>("--username", "-u") { Description = "User name" };
        var password = new Option<string?>("--password", "-p") { Description = "Password (prefer --password-stdin: command lines are visible to other users)" };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the password from standard input" };
        var command = new Command("login", "Check and store credentials for a registry") { registryHost, username, password, passwordStdin };
        command.SetAction(async (parse, ct) =>
        {
            var host = DockerConfig.NormaliseRegistry(parse.GetRequiredValue(registryHost));
            var user = parse.GetValue(username) ?? throw new CliException("login needs --username", 2);
            string secret;
            if (parse.GetValue(passwordStdin))
            {
                using var reader = new StreamReader(environment.StandardInput(), Encoding.UTF8);
                secret = (await reader.ReadToEndAsync(ct)).TrimEnd('\r', '\n');
            }
            else
            {
                secret = parse.GetValue(password) ?? throw new CliException("login needs --password-stdin or --password", 2);
            }

            if (secret.Length == 0)
            {
                throw new CliException("the password is empty", 2);
            }

            var credential = new RegistryCredential { Username = user, Password = secret };
            using (var registry = globals.Registry(parse, environment, credential))
            {
                await registry.PingAsync(host, ct);
            }

            var credentials = globals.Credentials(environment);
            credentials.Save(host, credential);
            await environment.Output.WriteLineAsync($"Login Succeeded (credentials stored in {credentials.Path})");
            return 0;
        });
        return command;
    }

    public static Command Logout(GlobalOptions globals, CliEnvironment environment)
    {
        var registryHost = new Argument<string>("registry") { Description = "Registry host[:port]" };
        var command = new Command("logout", "Forget stored credentials for a registry") { registryHost };
        command.SetAction(parse =>
        {
            var host = DockerConfig.NormaliseRegistry(parse.GetRequiredValue(registryHost));
            var removed = globals.Credentials(environment).Remove(host);
            environment.Output.WriteLine(removed ? $"Removing login credentials for {host}" : $"Not logged in to {host}");
            return 0;
        });
        return command;
    }

    public static Command Fsck(GlobalOptions globals, CliEnvironment environment)
    {
        var repair = new Option<bool>("--repair") { Description = "Remove damaged blobs and the images that need them, and unreferenced files" };
        var format = OutputFormat.Create();
        var command = new Command("fsck", "Verify every blob and reference in the store") { repair, format };
        command.SetAction(async (parse, ct) =>
        {
            using var store = globals.OpenStore(parse, environment);
            var report = await store.FsckAsync(parse.GetValue(repair), ct);
            var output = environment.Output;
            if (parse.GetValue(format) == "json")
            {
                OutputFormat.WriteJson(output, report);
            }
            else
            {
                foreach (var problem in report.Problems)
                {
                    await output.WriteLineAsync(problem.ToString());
                }

                foreach (var fix in report.Repairs)
                {
                    await output.WriteLineAsync("repaired: " + fix);
                }

                await output.WriteLineAsync($"checked {report.BlobsChecked} blobs and {report.ImagesChecked} images: {(report.Clean ? "no problems" : $"{report.Problems.Count} problem(s)")}");
            }

            return report.Clean || parse.GetValue(repair) ? 0 : 1;
        });
        return command;
    }
}
