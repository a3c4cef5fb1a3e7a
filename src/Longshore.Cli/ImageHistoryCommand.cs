using System.CommandLine;
using Longshore.LayerStore;

namespace Longshore.Cli;

/// <summary><c>longshore image history IMAGE</c>: the build steps behind an image's layers, newest first, as Docker shows them.</summary>
internal static class ImageHistoryCommand
{
    public static Command Build(GlobalOptions globals, CliEnvironment environment)
    {
        var image = new Argument<string>("image") { Description = "Image name, tag, digest or ID" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Only the IDs (<missing> for steps that are no image of their own)" };
        var noTrunc = new Option<bool>("--no-trunc") { Description = "Full IDs and CREATED BY" };
        var human = new Option<bool>("--human", "-H") { Description = "Sizes and dates in human form (default true)", DefaultValueFactory = _ => true };
        var format = OutputFormat.CreateWithTemplates();
        var command = new Command("history", "Show the history of an image: one row per build step, with its layer's uncompressed size") { image, quiet, noTrunc, human, format };
        command.SetAction(async (parse, ct) =>
        {
            using var store = globals.OpenStore(parse, environment);
            var entries = await store.HistoryAsync(parse.GetRequiredValue(image), ct);
            var output = environment.Output;
            var full = parse.GetValue(noTrunc);
            if (parse.GetValue(quiet))
            {
                foreach (var entry in entries)
                {
                    await output.WriteLineAsync(entry.ImageId is { } id ? DockerRows.Id(id, full) : DockerRows.Missing);
                }

                return 0;
            }

            var now = environment.Time.GetUtcNow();
            var chosen = parse.GetValue(format);
            if (chosen == OutputFormat.JsonFormat)
            {
                OutputFormat.WriteJson(output, entries.Select(e => new
                {
                    Id = e.ImageId?.ToString() ?? DockerRows.Missing,
                    CreatedAt = e.Created,
                    e.CreatedBy,
                    e.Size,
                    e.Comment,
                    e.EmptyLayer,
                    DiffId = e.DiffId?.ToString(),
                    e.Tags,
                }));
                return 0;
            }

            var template = OutputFormat.IsTemplate(chosen) ? chosen! : "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}";
            var rows = entries.Select(e =>
            {
                var row = DockerRows.History(e, full, now);
                if (!parse.GetValue(human))
                {
                    // Docker's -H=false: RFC 3339 times and sizes in bytes.
                    row["CreatedSince"] = e.Created?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture) ?? "N/A";
                    row["CreatedAt"] = row["CreatedSince"]!.GetValue<string>();
                    row["Size"] = e.Size.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                return (System.Text.Json.Nodes.JsonNode?)row;
            });
            OutputFormat.WriteTemplate(output, template, DockerRows.HistoryHeaders, rows);
            return 0;
        });
        return command;
    }
}
