using Nabla.Data;
using Nabla.Kernels;

namespace Nabla.Bench;

/// <summary>
/// The sparse-input product of the book's first layer (100 MNIST images × 784 · 784 × 50) against the dense
/// GEMM, and its parts: compressing a batch, multiplying the compressed rows, and Xᵀ·D for dW.
/// Usage: sparse [DATA_DIR]
/// </summary>
internal static unsafe class SparseBench
{
    public static int Run(string[] args)
    {
        var data = MnistLoader.Load<float>(DatasetKind.Mnist, new MnistOptions { Directory = args.Length > 0 ? args[0] : TrainBench.FindSharedMnist() });
        var batch = new MiniBatch<float>(data.XTrain, data.TTrain, 100);
        batch.Sample(new Random(1));
        float[] x = batch.XBatch.ToArray();
        int nnz = x.Count(v => v != 0);
        var rng = new Random(2);
        float[] w = Enumerable.Range(0, 784 * 50).Select(_ => (float)rng.NextDouble()).ToArray();
        float[] d = Enumerable.Range(0, 100 * 50).Select(_ => (float)rng.NextDouble()).ToArray();
        float[] c = new float[100 * 50], dw = new float[784 * 50];
        int[] cols = new int[784 * 100 + 64]; float[] vals = new float[784 * 100 + 64];
        var s = new SparseProduct<float>();
        int[] blockTable = new int[16];
        Console.WriteLine($"batch 100×784, {nnz} non-zeros ({100.0 * nnz / x.Length:F1} %); {Environment.ProcessorCount} cores");
        const int reps = 5000;
        // Gathering a minibatch: from the float32 tensor (188 MB) or from the bytes (47 MB), alternating.
        var fromBytes = new MiniBatch<float>(data.TrainImages, data.TTrain, 100);
        var gatherRng = new Random(3);
        for (int round = 0; round < 3; round++)
        {
            double tFloat = Time(reps, () => batch.Sample(gatherRng));
            double tBytes = Time(reps, () => fromBytes.Sample(gatherRng));
            Console.WriteLine($"µs per minibatch of 100 gathered: from float32 rows {tFloat:F1}, from byte rows {tBytes:F1}");
        }
        for (int round = 0; round < 3; round++)
        {
            double compress = Time(reps, () =>
            {
                fixed (float* px = x) fixed (int* pc = cols) fixed (float* pv = vals) fixed (int* blocks = blockTable)
                {
                    int p = 0;
                    for (int i = 0; i < 100; i++) SparseProduct<float>.Compress(px + i * 784, 784, pc, pv, ref p, cols.Length - 32, 96, blocks);
                }
            });
            double fused = Time(reps, () => s.TryMultiply(x, 100, 784, w, c, 50, 0.3, SparseProduct<float>.Wide(KernelOptions.Default)));
            double scatter = Time(reps, () => s.MultiplyTransposedInto(d, dw, 50));
            double dense = Time(reps, () => Gemm.Multiply<float>(x, w, c, 100, 50, 784));
            double denseT = Time(reps, () => Gemm.Multiply<float>(x, d, dw, 784, 50, 100, transA: true));
            Console.WriteLine($"µs: compress alone {compress:F1}; sparse X·W (compress + multiply) {fused:F1}, sparse XᵀD {scatter:F1}; dense X·W {dense:F1}, dense XᵀD {denseT:F1}");
        }
        return 0;
    }

    /// <summary>Median µs per call, after 200 warm-up calls (<see cref="Timing.Measure"/>).</summary>
    private static double Time(int reps, Action a) => Timing.Measure(a, reps, warmup: 200).Median * 1e6;
}
