using System.Numerics;
using Nabla.Kernels;
using Nabla.Layers;
using Nabla.Tests.Layers;

namespace Nabla.Tests.Kernels;

/// <summary>
/// dW and db by Winograd F(3×3, 2×2) (<see cref="Winograd{T}.FilterGradient"/>) against the book's im2col + GEMM in float
/// and double, through the layer against numerical gradients, and its dispatch in <see cref="Convolution2D{T}"/>.
/// </summary>
public class WinogradFilterGradientTests
{
    /// <summary>Every padding, odd and even sizes (half-vector and partial tile rows), channel and filter counts 1 to 33.</summary>
    public static IEnumerable<object[]> Shapes()
    {
        (int H, int W)[] sizes = [(5, 7), (7, 5), (9, 13), (8, 8), (28, 28), (6, 6), (5, 8)];
        (int C, int F)[] channels = [(1, 1), (3, 4), (5, 7), (16, 16), (33, 7), (16, 1), (1, 16), (3, 5)];
        foreach (int pad in new[] { 0, 1, 2 })
            foreach (var (h, w) in sizes)
                foreach (var (c, f) in channels)
                    yield return [pad, h, w, c, f];
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void FilterGradientMatchesIm2Col(int pad, int h, int w, int c, int fn)
    {
        int n = h * w * c > 4_000 ? 2 : 3;
        Compare<double>(n, c, h, w, fn, pad);
        Compare<float>(n, c, h, w, fn, pad);
    }

    /// <summary>Enough images for several blocks per core and a partial last block; DeepConvNet's conv4–conv6.</summary>
    [Theory]
    [InlineData(37, 16, 28, 28, 16, 1)]
    [InlineData(23, 32, 14, 14, 32, 2)]   // conv4: 16×16 out
    [InlineData(19, 32, 8, 8, 64, 1)]     // conv5
    [InlineData(19, 64, 8, 8, 64, 1)]     // conv6
    [InlineData(11, 33, 7, 9, 7, 0)]
    [InlineData(5, 130, 6, 7, 13, 1)]
    public void ManyBlocksMatchIm2Col(int n, int c, int h, int w, int fn, int pad)
    {
        Compare<double>(n, c, h, w, fn, pad);
        Compare<float>(n, c, h, w, fn, pad);
    }

    /// <summary>
    /// Runs the kernel itself (whatever the dispatch would choose) on random x and ∂L/∂out and compares dW with im2col +
    /// GEMM and db with the plain sum.
    /// </summary>
    /// <remarks>
    /// The tolerance follows a first-order rounding analysis, with u the unit roundoff (2⁻²⁴ for float, 2⁻⁵³ for double)
    /// and, per (f, c), S = Σ over images and 2×2 dout tiles of (Σ|dout| over the tile)·(Σ|x| over its 4×4 padded input
    /// tile). Every entry of V = Bᵀ d B is a ±1 sum of distinct entries of d, so at most Σ|d|; every entry of
    /// Y' = G' g G'ᵀ sums entries of g with coefficients of at most 1, so at most Σ|g|; an entry of dW = A'ᵀ M A' sums 9
    /// entries of M with coefficients ±1. So the computation done in absolute values is at most 9·S, and its longest
    /// chain of additions is at most K + 16 (K = images × tiles, in whatever order the blocks, lanes and cores add them,
    /// plus the transforms): error ≤ 9·(K + 16)·u·S. The reference's dot product over the N·OH·OW positions has error
    /// at most N·OH·OW·u·Σ|dout||x| ≤ N·OH·OW·u·S (every product of it lies in some tile's Σ|g|·Σ|d|).
    /// </remarks>
    private static void Compare<T>(int n, int c, int h, int w, int fn, int pad) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = new ConvGeometry(n, c, h, w, 3, 3, 1, pad);
        if (!Winograd<T>.Supports(g, fn)) return;   // no AVX2: nothing to compare
        var rng = new Random(n * 1_000 + c * 37 + h * 11 + w + fn * 3 + pad);
        var x = Tensor<T>.RandomNormal(rng, T.One, n, c, h, w);
        var wt = Tensor<T>.RandomNormal(rng, T.One, fn, c, 3, 3);
        var b = Tensor<T>.RandomNormal(rng, T.One, fn);
        var reference = new Convolution<T>(wt.Clone(), b.Clone(), 1, pad) { Options = WinogradTests.Reference };
        reference.Forward(x);
        var dout = Tensor<T>.RandomNormal(rng, T.One, n, fn, g.OH, g.OW);
        reference.Backward(dout);
        var dw = new T[fn * c * 9];
        var db = new T[fn];
        var kernel = new Winograd<T>();
        // Twice: the second call reuses the first one's buffers (stale lanes must not leak into the sums).
        for (int run = 0; run < 2; run++) kernel.FilterGradient(x.Span, dout.Span, dw, db, g, fn);
        double u = typeof(T) == typeof(float) ? Math.Pow(2, -24) : Math.Pow(2, -53);
        int th = (g.OH + 1) / 2, tw = (g.OW + 1) / 2, k = n * th * tw;
        double factor = (9.0 * (k + 16) + (double)n * g.OH * g.OW) * u;
        // Σ|dout| per (image, filter, tile) and Σ|x| per (image, channel, tile), the tile in padded coordinates.
        var sg = new double[n, fn, th * tw];
        var sd = new double[n, c, th * tw];
        for (int i = 0; i < n; i++)
            for (int ty = 0; ty < th; ty++)
                for (int tx = 0; tx < tw; tx++)
                {
                    for (int f = 0; f < fn; f++)
                        for (int a = 0; a < 2; a++)
                            for (int q = 0; q < 2; q++)
                                if (2 * ty + a < g.OH && 2 * tx + q < g.OW) sg[i, f, ty * tw + tx] += Math.Abs(double.CreateChecked(dout[i, f, 2 * ty + a, 2 * tx + q]));
                    for (int ci = 0; ci < c; ci++)
                        for (int r = 0; r < 4; r++)
                            for (int q = 0; q < 4; q++)
                            {
                                int yy = 2 * ty + r - pad, xx = 2 * tx + q - pad;
                                if (yy >= 0 && yy < h && xx >= 0 && xx < w) sd[i, ci, ty * tw + tx] += Math.Abs(double.CreateChecked(x[i, ci, yy, xx]));
                            }
                }
        for (int f = 0; f < fn; f++)
            for (int ci = 0; ci < c; ci++)
            {
                double s = 0;
                for (int i = 0; i < n; i++)
                    for (int t = 0; t < th * tw; t++) s += sg[i, f, t] * sd[i, ci, t];
                for (int j = 0; j < 9; j++)
                {
                    double e = double.CreateChecked(reference.DW[f, ci, j / 3, j % 3]);
                    double a = double.CreateChecked(dw[(f * c + ci) * 9 + j]);
                    double tol = factor * s + u * Math.Abs(e);
                    Assert.True(Math.Abs(a - e) <= tol,
                        $"{typeof(T).Name} f={f} c={ci} tap={j}: winograd {a} vs im2col {e} (|Δ| {Math.Abs(a - e):G3} > {tol:G3})");
                }
            }
        for (int f = 0; f < fn; f++)
        {
            double e = double.CreateChecked(reference.DB[f]), a = double.CreateChecked(db[f]), s = 0;
            for (int i = 0; i < n; i++)
                for (int t = 0; t < th * tw; t++) s += sg[i, f, t];
            Assert.True(Math.Abs(a - e) <= 2.0 * n * g.OH * g.OW * u * s, $"{typeof(T).Name} db[{f}]: {a} vs {e}");
        }
    }

    /// <summary>
    /// dW and db (and ∂L/∂x) through the layer against numerical gradients; the direct kernels are turned off so that
    /// Winograd takes these few channels.
    /// </summary>
    [Theory]
    [InlineData(2, 5, 6, 9, 6, 1)]
    [InlineData(2, 4, 5, 7, 7, 2)]
    [InlineData(1, 6, 7, 5, 4, 0)]
    [InlineData(3, 4, 9, 13, 5, 1)]
    [InlineData(2, 3, 8, 8, 9, 1)]
    public void LayerFilterGradientMatchesNumerical(int n, int c, int h, int w, int fn, int pad)
    {
        var rng = new Random(n * 17 + c + w + pad);
        var conv = new Convolution<double>(Tensor<double>.RandomNormal(rng, 1.0, fn, c, 3, 3), Tensor<double>.RandomNormal(rng, 1.0, fn), 1, pad)
        {
            Options = KernelOptions.Default with { AllowDirectConvolution = false },
        };
        LayerCheck.Run(conv, Tensor<double>.RandomNormal(rng, 1.0, n, c, h, w), rng, 1e-7);
        if (!Winograd<double>.Supports(new ConvGeometry(n, c, h, w, 3, 3, 1, pad), fn)) return;
        Assert.True(conv.LastFilterGradientWasWinograd);
    }

    /// <summary>
    /// The layer computes dW with Winograd where it is preferred and allowed (rather than im2col always; rather than the
    /// direct kernels from 32 input channels), reports it, and agrees with im2col.
    /// </summary>
    [Theory]
    [InlineData(2, 32, 14, 14, 32, 2, true, true, true)]     // DeepConvNet's conv4
    [InlineData(2, 32, 8, 8, 64, 1, true, true, true)]       // conv5
    [InlineData(2, 64, 8, 8, 64, 1, true, true, true)]       // conv6
    [InlineData(4, 16, 14, 14, 32, 1, true, true, false)]    // conv3: 16 channels, dW stays direct
    [InlineData(2, 8, 9, 9, 8, 2, false, true, true)]        // direct kernels off: Winograd rather than im2col
    [InlineData(2, 64, 8, 8, 64, 1, true, false, false)]     // Winograd off
    public void DispatchReportsThePathAndMatchesIm2Col(int n, int c, int h, int w, int fn, int pad, bool allowDirect, bool allowWinograd, bool expected)
    {
        if (!Winograd<float>.Supports(new ConvGeometry(n, c, h, w, 3, 3, 1, pad), fn)) return;
        var rng = new Random(n + c + h + fn);
        var x = Tensor<float>.RandomNormal(rng, 1f, n, c, h, w);
        var wt = Tensor<float>.RandomNormal(rng, 1f, fn, c, 3, 3);
        var b = Tensor<float>.RandomNormal(rng, 1f, fn);
        var layer = new Convolution<float>(wt.Clone(), b.Clone(), 1, pad) { Options = KernelOptions.Default with { AllowDirectConvolution = allowDirect, AllowWinograd = allowWinograd } };
        var reference = new Convolution<float>(wt.Clone(), b.Clone(), 1, pad) { Options = WinogradTests.Reference };
        var o = layer.Forward(x);
        reference.Forward(x);
        var dout = Tensor<float>.RandomNormal(rng, 1f, o.Shape.ToArray());
        layer.Backward(dout); reference.Backward(dout);
        Assert.Equal(expected, layer.LastFilterGradientWasWinograd);
        Assert.False(reference.LastFilterGradientWasWinograd);
        // Relative to the largest entry: sums of N·OH·OW products (at most 2·16·16 here) in float.
        WinogradTests.Close(layer.DW, reference.DW, 1e-4f);
        WinogradTests.Close(layer.DB, reference.DB, 1e-4f);
    }

    [Fact]
    public void RejectsShapesItDoesNotHandle()
    {
        var k = new Winograd<float>();
        var g5 = new ConvGeometry(1, 2, 8, 8, 5, 5, 1, 1);
        Assert.Throws<InvalidOperationException>(() => k.FilterGradient(new float[128], new float[72], new float[100], new float[2], g5, 2));
        var g = new ConvGeometry(1, 2, 8, 8, 3, 3, 1, 1);
        if (!Winograd<float>.Supports(g, 2)) return;
        var e = Assert.Throws<ArgumentException>(() => k.FilterGradient(new float[128], new float[100], new float[36], new float[2], g, 2));
        Assert.Contains("too small", e.Message);
    }

    /// <summary>The separate db pass (im2col's) refuses a dout or db shorter than the shape says, naming both lengths.</summary>
    [Fact]
    public void BiasGradientRejectsShortBuffers()
    {
        var e = Assert.Throws<ArgumentException>(() => ConvolutionBias.Gradient<float>(new float[2 * 3 * 4 - 1], new float[3], 2, 3, 4));
        Assert.Contains("23 values", e.Message);
        Assert.Throws<ArgumentException>(() => ConvolutionBias.Gradient<float>(new float[2 * 3 * 4], new float[2], 2, 3, 4));
        var db = new float[3];
        ConvolutionBias.Gradient<float>(Enumerable.Range(0, 24).Select(i => (float)i).ToArray(), db, 2, 3, 4);
        Assert.Equal([0 + 1 + 2 + 3 + 12 + 13 + 14 + 15, 4 + 5 + 6 + 7 + 16 + 17 + 18 + 19, 8 + 9 + 10 + 11 + 20 + 21 + 22 + 23], db);
    }
}
