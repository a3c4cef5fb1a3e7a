Console.WriteLine("no benchmarks yet"); return 0;
