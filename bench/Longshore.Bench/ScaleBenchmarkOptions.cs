using System.Globalization;

namespace Longshore.Bench;

/// <summary>How many Node objects and images the scale benchmark uses.</summary>
public sealed record ScaleBenchmarkOptions(int Nodes, int Images)
{
    public static ScaleBenchmarkOptions Parse(IReadOnlyList<string> args)
    {
        var options = new ScaleBenchmarkOptions(Nodes: 1000, Images: 3);
        for (var i = 0; i < args.Count; i += 2)
        {
            var value = i + 1 < args.Count && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
                ? n
                : throw new ArgumentException($"{args[i]} needs a positive integer");
            options = args[i] switch
            {
                "--nodes" => options with { Nodes = value },
                "--images" => options with { Images = value },
                _ => throw new ArgumentException($"unknown option {args[i]}; expected --nodes or --images"),
            };
        }

        return options;
    }
}
