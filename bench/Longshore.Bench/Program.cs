using Longshore.Bench;

// Prints pull-speed figures for the layer store against skopeo on the same registry, image and machine.
//   dotnet run -c Release --project bench/Longshore.Bench -- [--layers N] [--layer-mb M] [--runs R] [--cli PATH/longshore.dll]
var options = PullBenchmarkOptions.Parse(args);
await new PullBenchmark(options, Console.Out).RunAsync(CancellationToken.None);
return 0;
