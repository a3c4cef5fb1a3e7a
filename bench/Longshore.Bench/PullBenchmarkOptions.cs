using System.Globalization;

namespace Longshore.Bench;

/// <summary>Size of the sample image and how many timed runs each contender gets.</summary>
public sealed record PullBenchmarkOptions(int Layers, int LayerMegabytes, int Runs, string Cli)
{
    public static PullBenchmarkOptions Parse(IReadOnlyList<string> args)
    {
        var options = new PullBenchmarkOptions(Layers: 8, LayerMegabytes: 64, Runs: 3, Cli: Path.GetFullPath("artifacts/cli/longshore.dll"));
        for (var i = 0; i < args.Count; i++)
        {
            var value = i + 1 < args.Count ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
            options = args[i] switch
            {
                "--layers" => options with { Layers = Positive(args[i], value) },
                "--layer-mb" => options with { LayerMegabytes = Positive(args[i], value) },
                "--runs" => options with { Runs = Positive(args[i], value) },
                "--cli" => options with { Cli = Path.GetFullPath(value) },
                _ => throw new ArgumentException($"unknown option {args[i]}; expected --layers, --layer-mb, --runs or --cli"),
            };
            i++;
        }

        return options;
    }

    private static int Positive(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new ArgumentException($"{name} must be a positive integer, got '{value}'");
}
