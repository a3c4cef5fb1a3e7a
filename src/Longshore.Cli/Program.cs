using Longshore.Cli;

using var signals = new TerminationSignals();
return await CliApplication.RunAsync(args, signals);
