namespace Nabla.Tests;

/// <summary>Small generated classification data: Gaussian blobs around random class centres.</summary>
public static class Synthetic
{
    /// <summary>n MNIST-like inputs in [0, 1) with random one-hot targets over c classes.</summary>
    public static (Tensor<double> X, Tensor<double> T) OneHotBatch(int n, int d, int c, int seed)
    {
        var rng = new Random(seed);
        var x = Tensor<double>.RandomUniform(rng, 0, 1, n, d);
        var t = Tensor<double>.Zeros(n, c);
        for (int i = 0; i < n; i++) t[i, rng.Next(c)] = 1;
        return (x, t);
    }

    /// <summary>
    /// n byte images of <paramref name="width"/> pixels in four classes: class c lights about 60 % of band c of the pixels
    /// (its quarter of the row) and <paramref name="offBand"/> of the others, with random non-zero values; one-hot targets.
    /// </summary>
    public static (Nabla.Data.ByteImages<float> X, Tensor<float> T) SparseBands(int n, int width, int seed, double offBand)
    {
        var rng = new Random(seed);
        var bytes = new byte[n * width];
        var t = new Tensor<float>(n, 4);
        for (int i = 0; i < n; i++)
        {
            int c = rng.Next(4);
            t[i, c] = 1;
            for (int p = 0; p < width; p++)
                if (rng.NextDouble() < (p * 4 / width == c ? 0.6 : offBand)) bytes[i * width + p] = (byte)rng.Next(1, 256);
        }
        return (new Nabla.Data.ByteImages<float>(bytes, [n, width]), t);
    }

    /// <summary>n samples of d features in c classes, one-hot targets; well separated when spread is small.</summary>
    public static (Tensor<T> X, Tensor<T> T, int[] Labels) Blobs<T>(int n, int d, int c, double spread = 0.5, int seed = 0)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var centres = new Random(1234);
        var mu = new double[c, d];
        for (int k = 0; k < c; k++) for (int j = 0; j < d; j++) mu[k, j] = centres.NextDouble() * 2 - 1;
        var rng = new Random(seed);
        var x = new Tensor<T>(n, d);
        var t = new Tensor<T>(n, c);
        var labels = new int[n];
        var noise = Tensor<double>.RandomNormal(rng, spread, n, d);
        for (int i = 0; i < n; i++)
        {
            int k = labels[i] = rng.Next(c);
            t[i, k] = T.One;
            for (int j = 0; j < d; j++) x[i, j] = T.CreateChecked(mu[k, j] + noise[i, j]);
        }
        return (x, t, labels);
    }
}
