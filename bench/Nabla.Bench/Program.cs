using Nabla.Bench;

// Benchmarks: dotnet run -c Release --project bench/Nabla.Bench -- <name> [args]
var benches = new Dictionary<string, Func<string[], int>>
{
    ["optimizers"] = OptimizerBench.Run,
    ["conv"] = ConvBench.Run,
    ["train"] = TrainBench.Run,
    ["kernels"] = Nabla.Bench.Kernels.KernelBenchmarks.Run,
    ["autograd"] = AutogradBench.Run,
    ["winograd"] = Nabla.Bench.Kernels.WinogradBenchmarks.Probe,
    ["conv-shapes"] = ConvShapesBench.Run,
    ["peak"] = PeakBench.Run,
    ["latency"] = LatencyBench.Run,
    ["mapped-index"] = MappedIndexBench.Run,
    ["sparse-width"] = SparseWidthBench.Run,
    ["sparse-blocks"] = SparseBlocksBench.Run,
};
if (args.Length == 0 || !benches.TryGetValue(args[0], out var run))
{
    Console.WriteLine($"usage: dotnet run -c Release --project bench/Nabla.Bench -- <{string.Join("|", benches.Keys)}> [args]");
    return args.Length == 0 ? 0 : 2;
}
return run(args[1..]);
