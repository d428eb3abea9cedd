namespace Nabla.Cli;

/// <summary>A small generated data set shaped like MNIST (784 pixels, 10 classes, one-hot), for trying commands in seconds.</summary>
internal static class SyntheticData
{
    /// <summary>Each class lights its own pair of pixel rows, with noise.</summary>
    public static LoadedData Create(int train, int test, int seed)
    {
        var rng = new Random(seed);
        (Tensor<float> X, Tensor<float> T) Make(int n)
        {
            var x = new Tensor<float>(n, 784);
            var t = new Tensor<float>(n, 10);
            var xs = x.Span; var ts = t.Span;
            for (int i = 0; i < n; i++)
            {
                int c = rng.Next(10);
                ts[i * 10 + c] = 1;
                for (int p = 0; p < 784; p++)
                {
                    int row = p / 28;
                    bool on = row >= c * 2 + 4 && row < c * 2 + 6;
                    xs[i * 784 + p] = Math.Clamp((on ? 0.8f : 0.08f) + (float)(rng.NextDouble() - 0.5) * 0.3f, 0f, 1f);
                }
            }
            return (x, t);
        }
        var (xTrain, tTrain) = Make(train);
        var (xTest, tTest) = Make(test);
        return new LoadedData("synthetic", $"generated data (seed {seed})", 10, xTrain, tTrain, xTest, tTest);
    }
}
