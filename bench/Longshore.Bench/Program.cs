using Longshore.Bench;

// Prints benchmark figures (not timed tests).
//   dotnet run -c Release --project bench/Longshore.Bench -- [pull] [--layers N] [--layer-mb M] [--runs R] [--cli PATH/longshore.dll]
//   dotnet run -c Release --project bench/Longshore.Bench -- resume [--layer-mb M] [--runs R]
//   dotnet run -c Release --project bench/Longshore.Bench -- memory [--layers N] [--layer-mb M] [--runs R] [--cli PATH/longshore.dll]
//   dotnet run -c Release --project bench/Longshore.Bench -- scale [--nodes N] [--images K]
//   dotnet run -c Release --project bench/Longshore.Bench -- agent
//   dotnet run -c Release --project bench/Longshore.Bench -- reconcile [--images N]
//   dotnet run -c Release --project bench/Longshore.Bench -- prune [--images N] [--layers M]
//   dotnet run -c Release --project bench/Longshore.Bench -- pin [--rate R] [--seconds S]
//   dotnet run -c Release --project bench/Longshore.Bench -- policy [--policies P] [--images I]
if (args.Length > 0 && args[0] == "agent")
{
    await new AgentBenchmark(layers: 8, layerMegabytes: 64, Console.Out).RunAsync(CancellationToken.None);
    return 0;
}

if (args.Length > 0 && args[0] == "reconcile")
{
    var count = args.Length > 2 && args[1] == "--images" ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 1000;
    await new ReconcileBenchmark(count, Console.Out).RunAsync(CancellationToken.None);
    return 0;
}

if (args.Length > 0 && args[0] == "prune")
{
    var named = args.Skip(1).Chunk(2).Where(p => p.Length == 2).ToDictionary(p => p[0], p => int.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture));
    await new PruneBenchmark(named.GetValueOrDefault("--images", 10_000), named.GetValueOrDefault("--layers", 50_000), Console.Out).RunAsync(CancellationToken.None);
    return 0;
}

if (args.Length > 0 && args[0] == "pin")
{
    var rate = args.Length > 2 && args[1] == "--rate" ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 500;
    var seconds = args.Length > 4 && args[3] == "--seconds" ? int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture) : 20;
    await new PinWebhookBenchmark(rate, TimeSpan.FromSeconds(seconds), Console.Out).RunAsync(CancellationToken.None);
    return 0;
}

if (args.Length > 0 && args[0] == "policy")
{
    int Option(string name, int fallback) => Array.IndexOf(args, name) is var at and >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
    await new PolicyRefreshBenchmark(Option("--policies", 10), Option("--images", 50), Console.Out).RunAsync(CancellationToken.None);
    return 0;
}

if (args.Length > 0 && args[0] == "resume")
{
    await new ResumeBenchmark(PullBenchmarkOptions.Parse(args[1..]) is var resume && args.Contains("--layer-mb") ? resume : resume with { LayerMegabytes = 100 }, Console.Out).RunAsync(CancellationToken.None);
    return 0;
}

if (args.Length > 0 && args[0] == "memory")
{
    await new PullMemoryBenchmark(PullBenchmarkOptions.Parse(args[1..]), Console.Out).RunAsync(CancellationToken.None);
    return 0;
}

if (args.Length > 0 && args[0] == "scale")
{
    await new ScaleBenchmark(ScaleBenchmarkOptions.Parse(args[1..]), Console.Out).RunAsync(CancellationToken.None);
    return 0;
}

var options = PullBenchmarkOptions.Parse(args.Length > 0 && args[0] == "pull" ? args[1..] : args);
await new PullBenchmark(options, Console.Out).RunAsync(CancellationToken.None);
return 0;
