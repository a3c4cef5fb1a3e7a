using System.CommandLine;
using System.Text.Json;
using Longshore.LayerStore;
using Longshore.Oci;
using Longshore.Transfer;

namespace Longshore.Cli;

/// <summary><c>longshore image …</c>: Docker's image commands on the embedded store.</summary>
internal static class ImageCommands
{
    public static Command Build(GlobalOptions globals, CliEnvironment environment)
    {
        var image = new Command("image", "Manage images in the local store");
        image.Add(Pull(globals, environment));
        image.Add(List(globals, environment));
        image.Add(Inspect(globals, environment));
        image.Add(ImageHistoryCommand.Build(globals, environment));
        image.Add(Remove(globals, environment));
        image.Add(Tag(globals, environment));
        image.Add(Prune(globals, environment));
        image.Add(DiskUsage(globals, environment));
        image.Add(Save(globals, environment));
        image.Add(Load(globals, environment));
        image.Add(Push(globals, environment));
        return image;
    }

    private static Command Pull(GlobalOptions globals, CliEnvironment environment)
    {
        var reference = new Argument<string>("reference") { Description = "Image to pull: name[:tag] or name@digest" };
        var platform = new Option<string?>("--platform") { Description = "Platform to pull from a multi-platform image, e.g. linux/arm64 (default: this machine's)" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print only the reference when done" };
        var command = new Command("pull", "Download an image from a registry") { reference, platform, quiet };
        command.SetAction(async (parse, ct) =>
        {
            var target = GlobalOptions.ParseReference(parse.GetRequiredValue(reference), "reference");
            var options = new PullOptions { Platform = GlobalOptions.ParsePlatform(parse.GetValue(platform)) };
            using var store = globals.OpenStore(parse, environment);
            using var registry = globals.Registry(parse, environment);
            var output = environment.Output;
            var silent = parse.GetValue(quiet);
            if (!silent)
            {
                await output.WriteLineAsync($"{target.Tag ?? target.Digest.ToString()}: Pulling from {target.FamiliarRepository}");
            }

            var view = silent ? null : new PullProgressView(output, environment.OutputIsTerminal, environment.Time);
            var result = await new ImagePuller(store).PullAsync(target, registry, options, view, ct);
            view?.Complete();
            if (!silent)
            {
                await output.WriteLineAsync($"Digest: {result.RepoDigest}");
                await output.WriteLineAsync(result.ImageWasNew || result.LayersDownloaded > 0
                    ? $"Status: Downloaded newer image for {target.Familiar}"
                    : $"Status: Image is up to date for {target.Familiar}");
            }

            await output.WriteLineAsync(target.ToString());
            return 0;
        });
        return command;
    }

    private static Command List(GlobalOptions globals, CliEnvironment environment)
    {
        var repository = new Argument<string?>("repository") { Description = "Only this repository, optionally :TAG; * and ? match within a name part (e.g. app:1.*)", Arity = ArgumentArity.ZeroOrOne };
        var filters = new Option<string[]>("--filter", "-f") { Description = "Filter: dangling=true|false, before=IMAGE, since=IMAGE, reference=GLOB, label=KEY[=VALUE]" };
        var digests = new Option<bool>("--digests") { Description = "Show repo digests" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Only image IDs" };
        var noTrunc = new Option<bool>("--no-trunc") { Description = "Full image IDs" };
        var format = OutputFormat.CreateWithTemplates();
        var command = new Command("ls", "List images") { repository, filters, digests, quiet, noTrunc, format };
        command.Aliases.Add("list");
        command.SetAction(parse =>
        {
            // Docker turns REPOSITORY[:TAG] into one more reference filter, OR'd with any --filter reference=.
            var filterArguments = parse.GetValue(filters) ?? [];
            if (parse.GetValue(repository) is { Length: > 0 } pattern)
            {
                filterArguments = [.. filterArguments, "reference=" + pattern];
            }

            var filter = ImageFilter.Parse(filterArguments);
            using var store = globals.OpenStore(parse, environment);
            var rows = store.List(filter);
            var output = environment.Output;
            var full = parse.GetValue(noTrunc);
            if (parse.GetValue(quiet))
            {
                foreach (var id in rows.Select(r => r.ImageId).Distinct())
                {
                    output.WriteLine(DockerRows.Id(id, full));
                }

                return 0;
            }

            var now = environment.Time.GetUtcNow();
            var chosen = parse.GetValue(format);
            if (OutputFormat.IsTemplate(chosen))
            {
                OutputFormat.WriteTemplate(output, chosen!, DockerRows.ImageHeaders, rows.Select(r => DockerRows.Image(r, full, now)));
                return 0;
            }

            if (chosen == OutputFormat.JsonFormat)
            {
                OutputFormat.WriteJson(output, rows.Select(r => new
                {
                    r.Repository,
                    r.Tag,
                    Digest = r.RepoDigest?.ToString() ?? ImageSummary.None,
                    Id = r.ImageId.ToString(),
                    CreatedAt = r.Created,
                    r.Size,
                    r.Labels,
                    r.Dangling,
                    r.Pinned,
                    r.InUse,
                }));
                return 0;
            }

            var showDigests = parse.GetValue(digests);
            IReadOnlyList<string> header = showDigests
                ? ["REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE"]
                : ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"];
            TableWriter.Write(output, header, rows.Select(r => (IReadOnlyList<string>)(showDigests
                ? [r.Repository, r.Tag, r.RepoDigest?.ToString() ?? ImageSummary.None, DockerRows.Id(r.ImageId, full), HumanUnits.Ago(r.Created, now), HumanUnits.Size(r.Size)]
                : [r.Repository, r.Tag, DockerRows.Id(r.ImageId, full), HumanUnits.Ago(r.Created, now), HumanUnits.Size(r.Size)])));
            return 0;
        });
        return command;
    }

    private static Command Inspect(GlobalOptions globals, CliEnvironment environment)
    {
        var images = new Argument<string[]>("image") { Description = "Image name, tag, digest or ID", Arity = ArgumentArity.OneOrMore };
        var format = OutputFormat.CreateWithTemplates(OutputFormat.JsonFormat);
        var command = new Command("inspect", "Show details of images (Docker's field names)") { images, format };
        command.SetAction(parse =>
        {
            using var store = globals.OpenStore(parse, environment);
            var details = parse.GetRequiredValue(images).Select(store.Inspect).ToList();
            var chosen = parse.GetValue(format);
            if (OutputFormat.IsTemplate(chosen))
            {
                OutputFormat.WriteTemplate(environment.Output, chosen!, null, details.Select(d => JsonSerializer.SerializeToNode(d, OutputFormat.Json)));
                return 0;
            }

            if (chosen == OutputFormat.JsonFormat)
            {
                OutputFormat.WriteJson(environment.Output, details);
                return 0;
            }

            foreach (var d in details)
            {
                environment.Output.WriteLine($"Id:           {d.Id}");
                environment.Output.WriteLine($"RepoTags:     {string.Join(", ", d.RepoTags)}");
                environment.Output.WriteLine($"RepoDigests:  {string.Join(", ", d.RepoDigests)}");
                environment.Output.WriteLine($"Created:      {d.Created:O}");
                environment.Output.WriteLine($"Platform:     {d.Os}/{d.Architecture}{(d.Variant is null ? string.Empty : "/" + d.Variant)}");
                environment.Output.WriteLine($"Size:         {HumanUnits.Size(d.Size)}");
                environment.Output.WriteLine($"Layers:       {d.RootFS.Layers.Count}");
            }

            return 0;
        });
        return command;
    }

    private static Command Remove(GlobalOptions globals, CliEnvironment environment)
    {
        var images = new Argument<string[]>("image") { Description = "Images to remove", Arity = ArgumentArity.OneOrMore };
        var force = new Option<bool>("--force", "-f") { Description = "Remove even if pinned, in use or tagged in several repositories" };
        var command = new Command("rm", "Remove images (untag; delete when the last tag goes)") { images, force };
        command.Aliases.Add("remove");
        command.SetAction(parse =>
        {
            using var store = globals.OpenStore(parse, environment);
            var failed = 0;
            foreach (var image in parse.GetRequiredValue(images))
            {
                try
                {
                    foreach (var line in store.Remove(image, new RemoveOptions(parse.GetValue(force))))
                    {
                        environment.Output.WriteLine(line.ToString());
                    }
                }
                catch (Exception e) when (e is ImageNotFoundException or ImageConflictException)
                {
                    // Docker goes on with the other images and fails at the end.
                    environment.Error.WriteLine($"Error: {e.Message}");
                    failed++;
                }
            }

            return failed == 0 ? 0 : 1;
        });
        return command;
    }

    private static Command Tag(GlobalOptions globals, CliEnvironment environment)
    {
        var source = new Argument<string>("source") { Description = "Image to tag" };
        var target = new Argument<string>("target") { Description = "New name[:tag]" };
        var command = new Command("tag", "Create a tag that refers to an image") { source, target };
        command.SetAction(parse =>
        {
            using var store = globals.OpenStore(parse, environment);
            store.Tag(parse.GetRequiredValue(source), GlobalOptions.ParseReference(parse.GetRequiredValue(target), "target"));
            return 0;
        });
        return command;
    }

    private static Command Prune(GlobalOptions globals, CliEnvironment environment)
    {
        var all = new Option<bool>("--all", "-a") { Description = "Remove every image not in use or pinned, not only dangling ones" };
        var filters = new Option<string[]>("--filter") { Description = "until=TIMESTAMP|DURATION, label=KEY[=VALUE], label!=KEY[=VALUE]" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the plan and its reclaimable bytes; remove nothing" };
        var force = new Option<bool>("--force", "-f") { Description = "Accepted for Docker compatibility (longshore never prompts)" };
        var format = OutputFormat.Create();
        var command = new Command("prune", "Remove dangling (or, with --all, unused) images") { all, filters, dryRun, force, format };
        command.SetAction(parse =>
        {
            var options = PruneOptions.Parse(parse.GetValue(all) ? PruneMode.Unused : PruneMode.Dangling, parse.GetValue(filters) ?? [], environment.Time.GetUtcNow());
            using var store = globals.OpenStore(parse, environment);
            var plan = store.PlanPrune(options);
            var output = environment.Output;
            var json = parse.GetValue(format) == "json";
            if (parse.GetValue(dryRun))
            {
                if (json)
                {
                    OutputFormat.WriteJson(output, new { DryRun = true, Images = plan.Images.Select(i => new { Id = i.ImageId.ToString(), i.RepoTags }), Blobs = plan.Blobs.Count, plan.ReclaimableBytes });
                    return 0;
                }

                output.WriteLine(plan.Images.Count == 0 ? "Nothing to prune." : $"Would remove {plan.Images.Count} image(s):");
                foreach (var image in plan.Images)
                {
                    output.WriteLine($"  {image.ImageId}{(image.RepoTags.Count > 0 ? "  " + string.Join(", ", image.RepoTags) : string.Empty)}");
                }

                output.WriteLine();
                output.WriteLine($"Total reclaimable space: {HumanUnits.Size(plan.ReclaimableBytes)} ({plan.ReclaimableBytes} bytes in {plan.Blobs.Count} blobs)");
                return 0;
            }

            var result = store.Prune(plan);
            if (json)
            {
                OutputFormat.WriteJson(output, new { DryRun = false, Removed = result.Removed.Select(r => r.ToString()), result.ImagesRemoved, result.ReclaimedBytes, result.Skipped });
                return 0;
            }

            if (result.Removed.Count > 0)
            {
                output.WriteLine("Deleted Images:");
                foreach (var line in result.Removed)
                {
                    output.WriteLine($"{line.Kind.ToString().ToLowerInvariant()}: {line.Value}");
                }

                output.WriteLine();
            }

            foreach (var skipped in result.Skipped)
            {
                environment.Error.WriteLine($"Skipped {skipped}");
            }

            output.WriteLine($"Total reclaimed space: {HumanUnits.Size(result.ReclaimedBytes)}");
            return 0;
        });
        return command;
    }

    private static Command DiskUsage(GlobalOptions globals, CliEnvironment environment)
    {
        var format = OutputFormat.Create();
        var command = new Command("df", "Show disk usage: per image size, shared and unique bytes, reclaimable space") { format };
        command.SetAction(parse =>
        {
            using var store = globals.OpenStore(parse, environment);
            var usage = store.GetDiskUsage();
            var output = environment.Output;
            if (parse.GetValue(format) == "json")
            {
                OutputFormat.WriteJson(output, usage);
                return 0;
            }

            var now = environment.Time.GetUtcNow();
            TableWriter.Write(
                output,
                ["TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"],
                [["Images", usage.Images.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), usage.ActiveImages.ToString(System.Globalization.CultureInfo.InvariantCulture), HumanUnits.Size(usage.TotalBytes), $"{HumanUnits.Size(usage.ReclaimableBytes)} ({(usage.TotalBytes == 0 ? 0 : usage.ReclaimableBytes * 100 / usage.TotalBytes)}%)"]]);
            output.WriteLine();
            output.WriteLine("Images space usage:");
            output.WriteLine();
            TableWriter.Write(
                output,
                ["REPOSITORY:TAG", "IMAGE ID", "CREATED", "SIZE", "SHARED SIZE", "UNIQUE SIZE", "PINNED"],
                usage.Images.Select(i => (IReadOnlyList<string>)[i.RepoTags.Count > 0 ? string.Join(", ", i.RepoTags) : "<none>:<none>", i.ImageId.Short, HumanUnits.Ago(i.Created, now), HumanUnits.Size(i.Size), HumanUnits.Size(i.SharedSize), HumanUnits.Size(i.UniqueSize), i.Pinned ? "yes" : "no"]));
            return 0;
        });
        return command;
    }

    private static Command Save(GlobalOptions globals, CliEnvironment environment)
    {
        var images = new Argument<string[]>("image") { Description = "Images to save", Arity = ArgumentArity.OneOrMore };
        var outputFile = new Option<string?>("--output", "-o") { Description = "Write to this file instead of standard output" };
        var format = new Option<string>("--format") { Description = "docker (docker-archive) or oci (OCI image layout)", DefaultValueFactory = _ => "docker" };
        format.AcceptOnlyFromAmong("docker", "oci");
        var command = new Command("save", "Save images to a tar archive") { images, outputFile, format };
        command.SetAction(async (parse, ct) =>
        {
            var archiveFormat = parse.GetValue(format) == "oci" ? ArchiveFormat.OciLayout : ArchiveFormat.DockerArchive;
            using var store = globals.OpenStore(parse, environment);
            var path = parse.GetValue(outputFile);
            if (path is null)
            {
                if (environment.OutputIsTerminal)
                {
                    throw new CliException("refusing to write an archive to a terminal; use --output FILE or redirect", 2);
                }

                await using var stdout = environment.StandardOutput();
                await store.SaveAsync(parse.GetRequiredValue(images), stdout, archiveFormat, ct);
                return 0;
            }

            // Written beside the target and renamed, so a failed save leaves no truncated archive behind.
            var temporary = path + ".partial";
            try
            {
                await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.Asynchronous))
                {
                    await store.SaveAsync(parse.GetRequiredValue(images), file, archiveFormat, ct);
                }

                File.Move(temporary, path, overwrite: true);
            }
            finally
            {
                File.Delete(temporary);
            }

            return 0;
        });
        return command;
    }

    private static Command Load(GlobalOptions globals, CliEnvironment environment)
    {
        var input = new Option<string?>("--input", "-i") { Description = "Read from this tar file instead of standard input" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print nothing" };
        var command = new Command("load", "Load images from a docker-archive or OCI-layout tar") { input, quiet };
        command.SetAction(async (parse, ct) =>
        {
            using var store = globals.OpenStore(parse, environment);
            var path = parse.GetValue(input);
            await using var stream = path is null ? environment.StandardInput() : File.OpenRead(path);
            var result = await store.LoadAsync(stream, ct);
            if (!parse.GetValue(quiet))
            {
                foreach (var line in result.Lines)
                {
                    await environment.Output.WriteLineAsync(line);
                }
            }

            return 0;
        });
        return command;
    }

    private static Command Push(GlobalOptions globals, CliEnvironment environment)
    {
        var image = new Argument<string>("image") { Description = "Image to push (its name says where, unless a target is given)" };
        var target = new Argument<string?>("target") { Description = "Destination name[:tag]", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("push", "Upload an image to a registry") { image, target };
        command.SetAction(async (parse, ct) =>
        {
            var source = parse.GetRequiredValue(image);
            var destination = GlobalOptions.ParseReference(parse.GetValue(target) ?? source, "target");
            using var store = globals.OpenStore(parse, environment);
            using var registry = globals.Registry(parse, environment);
            await environment.Output.WriteLineAsync($"The push refers to repository [{destination.Repository}]");
            var progress = new SynchronousProgress<PushProgress>(p => environment.Output.WriteLine($"{p.Blob.Short}: {p.Status}"));
            var digest = await new ImagePusher(store).PushAsync(source, destination, registry, progress, ct);
            await environment.Output.WriteLineAsync($"{destination.Tag ?? "latest"}: digest: {digest}");
            return 0;
        });
        return command;
    }
}
