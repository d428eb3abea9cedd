using System.Numerics;
using Nabla.Kernels;
using Nabla.Layers;
using Nabla.Tests.Layers;

namespace Nabla.Tests.Kernels;

/// <summary>
/// Winograd F(2×2, 3×3) (<see cref="Winograd{T}"/>) against the book's im2col + GEMM in float and double, its ∂L/∂x
/// through the layer against numerical gradients, and the dispatch in <see cref="Convolution2D{T}"/>.
/// </summary>
public class WinogradTests
{
    /// <summary>im2col + GEMM only: the reference the Winograd tests compare with.</summary>
    internal static readonly KernelOptions Reference = KernelOptions.Default with { AllowDirectConvolution = false, AllowWinograd = false };

    /// <summary>Every padding, odd and even sizes, channel counts 1 to 33 and filter counts 1 to 16.</summary>
    public static IEnumerable<object[]> Shapes()
    {
        (int H, int W)[] sizes = [(5, 7), (7, 5), (9, 13), (13, 9), (28, 28), (6, 6), (5, 8), (8, 8)];   // the last three: half-vector tile rows (8 floats or 4 doubles wide, odd and even tile-row counts)
        (int C, int F)[] channels = [(1, 1), (3, 4), (5, 7), (16, 16), (33, 7), (16, 1), (1, 16)];
        foreach (int pad in new[] { 0, 1, 2 })
            foreach (var (h, w) in sizes)
                foreach (var (c, f) in channels)
                    yield return [pad, h, w, c, f];
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ForwardMatchesIm2Col(int pad, int h, int w, int c, int fn)
    {
        int n = h * w * c > 4_000 ? 2 : 3;
        Compare<double>(n, c, h, w, fn, pad);
        Compare<float>(n, c, h, w, fn, pad);
    }

    /// <summary>Enough images and tiles for several blocks on every core (the blocks span images).</summary>
    [Theory]
    [InlineData(37, 16, 28, 28, 16, 1)]   // DeepConvNet's conv2
    [InlineData(23, 32, 14, 14, 32, 2)]   // conv4: 16×16 out
    [InlineData(19, 64, 8, 8, 64, 1)]     // conv6
    [InlineData(11, 33, 7, 9, 7, 0)]
    [InlineData(5, 130, 6, 7, 13, 1)]     // the filter transform shared among the cores, 13 filters (a partial last block)
    public void ManyBlocksMatchIm2Col(int n, int c, int h, int w, int fn, int pad)
    {
        Compare<double>(n, c, h, w, fn, pad);
        Compare<float>(n, c, h, w, fn, pad);
    }

    /// <summary>
    /// Runs the kernel itself (whatever the dispatch would choose) and compares it with im2col + GEMM.
    /// </summary>
    /// <remarks>
    /// The tolerance follows a first-order rounding analysis of the two computations, with u the unit roundoff (2⁻²⁴
    /// for float, 2⁻⁵³ for double) and, per output, S = Σ_c (Σ|g_c|)·(Σ of |d_c| over the 4×4 input tile that holds
    /// the output). Winograd: every transform coefficient is 0, ±1, ±½ or ±¼ and exact; an entry of U = G g Gᵀ is at most
    /// Σ|g_c| in size, an entry of V = Bᵀ d B at most Σ|d_c|, and an output of Y = Aᵀ M A sums 9 entries of M, so the
    /// computation done in absolute values is at most 9·S; its chain of additions is at most C + 16 long (a few in
    /// each transform, C in the product), so the error is at most about 9·(C + 16)·u·S. The reference's dot product of
    /// 9C terms is off by at most 9C·u·Σ|w||x| ≤ 9C·u·S. Hence |winograd − reference| ≤ (18C + 144)·u·S, plus a few u
    /// of the result for the bias. (For 33 channels in float: 4.4e-5 · S.)
    /// </remarks>
    private static void Compare<T>(int n, int c, int h, int w, int fn, int pad) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Winograd<T>.Supports(new ConvGeometry(n, c, h, w, 3, 3, 1, pad), fn)) return;   // no AVX2: nothing to compare
        var rng = new Random(n * 1_000 + c * 37 + h * 11 + w + fn * 3 + pad);
        var x = Tensor<T>.RandomNormal(rng, T.One, n, c, h, w);
        var wt = Tensor<T>.RandomNormal(rng, T.One, fn, c, 3, 3);
        var b = Tensor<T>.RandomNormal(rng, T.One, fn);
        var g = new ConvGeometry(n, c, h, w, 3, 3, 1, pad);
        var expected = new Convolution<T>(wt.Clone(), b.Clone(), 1, pad) { Options = Reference }.Forward(x);
        var actual = new T[n * fn * g.OH * g.OW];
        new Winograd<T>().Forward(x.Span, wt.Span, b.Span, actual, g, fn);
        double u = typeof(T) == typeof(float) ? Math.Pow(2, -24) : Math.Pow(2, -53);
        double factor = (18.0 * c + 144) * u;
        for (int i = 0; i < n; i++)
            for (int f = 0; f < fn; f++)
                for (int y = 0; y < g.OH; y++)
                    for (int z = 0; z < g.OW; z++)
                    {
                        // S: Σ_c (Σ|g_c|)·(Σ |x_c| over the 4×4 tile that holds this output, in padded coordinates)
                        int ty = y / 2 * 2 - pad, tx = z / 2 * 2 - pad;
                        double s = 0;
                        for (int ci = 0; ci < c; ci++)
                        {
                            double sg = 0, sd = 0;
                            for (int k = 0; k < 9; k++) sg += Math.Abs(double.CreateChecked(wt[f, ci, k / 3, k % 3]));
                            for (int r = 0; r < 4; r++)
                                for (int q = 0; q < 4; q++)
                                {
                                    int yy = ty + r, xx = tx + q;
                                    if (yy >= 0 && yy < h && xx >= 0 && xx < w) sd += Math.Abs(double.CreateChecked(x[i, ci, yy, xx]));
                                }
                            s += sg * sd;
                        }
                        double e = double.CreateChecked(expected[i, f, y, z]);
                        double a = double.CreateChecked(actual[((i * fn + f) * g.OH + y) * g.OW + z]);
                        double tol = factor * s + 4 * u * Math.Abs(e);
                        Assert.True(Math.Abs(a - e) <= tol,
                            $"{typeof(T).Name} n={i} f={f} y={y} x={z}: winograd {a} vs im2col {e} (|Δ| {Math.Abs(a - e):G3} > {tol:G3})");
                    }
    }

    /// <summary>
    /// ∂L/∂x (the flipped convolution on Winograd), dW and db through the layer against numerical gradients; the direct
    /// kernels are turned off so that Winograd takes these few channels.
    /// </summary>
    [Theory]
    [InlineData(2, 5, 6, 9, 6, 1)]     // odd channel count, odd width
    [InlineData(2, 4, 5, 7, 7, 2)]     // pad 2: the flipped convolution has none
    [InlineData(1, 6, 7, 5, 4, 0)]     // pad 0: the flipped convolution is padded by 2
    [InlineData(3, 4, 9, 13, 5, 1)]
    public void LayerBackwardMatchesNumerical(int n, int c, int h, int w, int fn, int pad)
    {
        var rng = new Random(n * 13 + c + w + pad);
        var conv = new Convolution<double>(Tensor<double>.RandomNormal(rng, 1.0, fn, c, 3, 3), Tensor<double>.RandomNormal(rng, 1.0, fn), 1, pad)
        {
            Options = KernelOptions.Default with { AllowDirectConvolution = false },
        };
        LayerCheck.Run(conv, Tensor<double>.RandomNormal(rng, 1.0, n, c, h, w), rng, 1e-7);
        if (!Winograd<double>.Supports(new ConvGeometry(n, c, h, w, 3, 3, 1, pad), fn)) return;
        Assert.True(conv.LastForwardWasWinograd);
        Assert.True(conv.LastInputGradientWasWinograd);
    }

    /// <summary>
    /// The layer takes Winograd where it is preferred and allowed (rather than im2col always; rather than the direct kernels
    /// from 32 input channels), reports it, and agrees with im2col on every output and gradient.
    /// </summary>
    [Theory]
    [InlineData(2, 32, 8, 8, 64, 1, true, true, true)]       // DeepConvNet's conv5: both products (∂L/∂x has 64 channels)
    [InlineData(4, 16, 14, 14, 32, 1, true, false, true)]    // conv3: the forward stays direct (16 channels), ∂L/∂x has 32
    [InlineData(3, 1, 28, 28, 16, 1, true, false, true)]     // conv1: forward direct; ∂L/∂x has 1 filter, too few for the direct kernels
    [InlineData(3, 16, 7, 7, 3, 1, true, true, true)]        // 7 wide, 3 filters: the direct kernels take neither product
    [InlineData(2, 8, 9, 9, 8, 2, true, false, false)]
    [InlineData(2, 8, 9, 9, 8, 2, false, true, true)]        // direct kernels off: Winograd rather than im2col
    public void DispatchReportsThePathAndMatchesIm2Col(int n, int c, int h, int w, int fn, int pad, bool allowDirect, bool forward, bool inputGradient)
    {
        if (!Winograd<float>.Supports(new ConvGeometry(n, c, h, w, 3, 3, 1, pad), fn)) return;
        var rng = new Random(n + c + h + fn);
        var x = Tensor<float>.RandomNormal(rng, 1f, n, c, h, w);
        var wt = Tensor<float>.RandomNormal(rng, 1f, fn, c, 3, 3);
        var b = Tensor<float>.RandomNormal(rng, 1f, fn);
        var wino = new Convolution<float>(wt.Clone(), b.Clone(), 1, pad) { Options = KernelOptions.Default with { AllowDirectConvolution = allowDirect } };
        var off = new Convolution<float>(wt.Clone(), b.Clone(), 1, pad) { Options = KernelOptions.Default with { AllowDirectConvolution = allowDirect, AllowWinograd = false } };
        var reference = new Convolution<float>(wt.Clone(), b.Clone(), 1, pad) { Options = Reference };
        var outputs = new[] { wino, off, reference }.Select(l => l.Forward(x).Clone()).ToArray();
        var dout = Tensor<float>.RandomNormal(rng, 1f, outputs[0].Shape.ToArray());
        var dxs = new[] { wino, off, reference }.Select(l => l.Backward(dout).Clone()).ToArray();
        Assert.Equal(forward, wino.LastForwardWasWinograd);
        Assert.Equal(inputGradient, wino.LastInputGradientWasWinograd);
        Assert.False(off.LastForwardWasWinograd || off.LastInputGradientWasWinograd);
        Assert.False(reference.LastForwardWasWinograd || reference.LastInputGradientWasWinograd || reference.LastForwardWasDirect);
        // Scaled like ConvolutionTests' direct-kernel comparison: the sums here have at most 9 · 16 terms.
        Close(outputs[0], outputs[2], 1e-4f); Close(outputs[1], outputs[2], 1e-4f);
        Close(dxs[0], dxs[2], 1e-4f); Close(dxs[1], dxs[2], 1e-4f);
        Close(wino.DW, reference.DW, 1e-4f); Close(wino.DB, reference.DB, 1e-4f);
    }

    /// <summary>Every entry of <paramref name="a"/> within <paramref name="tol"/> of <paramref name="e"/>'s largest magnitude (at least 1).</summary>
    internal static void Close(Tensor<float> a, Tensor<float> e, float tol)
    {
        Assert.Equal(e.Shape.ToArray(), a.Shape.ToArray());
        float scale = 1;
        for (int i = 0; i < e.Length; i++) scale = Math.Max(scale, Math.Abs(e.Span[i]));
        for (int i = 0; i < e.Length; i++)
            Assert.True(Math.Abs(a.Span[i] - e.Span[i]) <= tol * scale, $"[{i}]: {a.Span[i]} vs {e.Span[i]}");
    }

    [Fact]
    public void RejectsShapesItDoesNotHandle()
    {
        var k = new Winograd<float>();
        var g5 = new ConvGeometry(1, 2, 8, 8, 5, 5, 1, 1);
        Assert.Throws<InvalidOperationException>(() => k.Forward(new float[128], new float[100], new float[2], new float[2 * 36], g5, 2));
        var g = new ConvGeometry(1, 2, 8, 8, 3, 3, 1, 1);
        if (!Winograd<float>.Supports(g, 2)) return;
        var e = Assert.Throws<ArgumentException>(() => k.Forward(new float[100], new float[36], new float[2], new float[128], g, 2));
        Assert.Contains("too small", e.Message);
        Assert.False(Winograd<float>.Supports(new ConvGeometry(1, 2, 8, 8, 3, 3, 2, 1), 2));   // stride 2
        Assert.False(Winograd<float>.Supports(new ConvGeometry(1, 2, 8, 8, 3, 3, 1, 3), 2));   // pad 3
    }
    /// <summary>
    /// The shared product M[ξ][f][t] = Σ_c U[ξ][f][c]·V[ξ][c][t] against its definition (fused multiply-adds over the
    /// channels in order, so exactly equal), for every count of tile vectors up to 10 and a partial last vector: the
    /// steps of 3 and of 2 vectors and the single vector all meet, and none may touch M past its tiles.
    /// </summary>
    [Theory]
    [InlineData(1, 1)]
    [InlineData(5, 2)]
    [InlineData(16, 3)]
    public unsafe void ProductMatchesItsDefinitionForEveryTileCount(int c, int fb)
    {
        foreach (bool wide in new[] { false, true })   // the 512-bit steps run (emulated) where the hardware lacks them
        {
            ProductCase<float>(c, fb, wide);
            ProductCase<double>(c, fb, wide);
        }
    }

    private static unsafe void ProductCase<T>(int c, int fb, bool wide) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int l = System.Runtime.Intrinsics.Vector256<T>.Count, positions = 2, fp = 4 * fb;
        var rng = new Random(c * 31 + fb);
        for (int tiles = 1; tiles <= 10 * l; tiles += tiles < 2 * l ? 1 : l - 1)
        {
            int ntp = (tiles + l - 1) / l * l + l;   // room past the tiles, which must stay untouched
            long uPosition = Winograd<T>.UPosition(fb, c), vPosition = (long)c * ntp, mPosition = (long)fp * ntp;
            var u = new T[positions * uPosition];
            var v = new T[positions * vPosition];
            var m = new T[positions * mPosition];
            for (int i = 0; i < u.Length; i++) u[i] = T.CreateTruncating(rng.NextDouble() - 0.5);
            for (int i = 0; i < v.Length; i++) v[i] = T.CreateTruncating(rng.NextDouble() - 0.5);
            var sentinel = T.CreateTruncating(12345);
            Array.Fill(m, sentinel);
            fixed (T* pu = u, pv = v, pm = m) Winograd<T>.Multiply(pu, pv, pm, c, fb, tiles, ntp, vPosition, mPosition, positions, wide);
            int stored = (tiles + l - 1) / l * l;
            for (int xi = 0; xi < positions; xi++)
                for (int f = 0; f < fp; f++)
                    for (int t = 0; t < ntp; t++)
                    {
                        T got = m[xi * mPosition + (long)f * ntp + t];
                        if (t >= stored) { Assert.Equal(sentinel, got); continue; }
                        T want = T.Zero;
                        for (int ci = 0; ci < c; ci++)
                            want = T.FusedMultiplyAdd(u[xi * uPosition + (long)(f / 4) * c * 4 + ci * 4 + f % 4], v[xi * vPosition + (long)ci * ntp + t], want);
                        Assert.True(want == got, $"{typeof(T).Name} wide {wide} tiles {tiles}, position {xi}, filter {f}, tile {t}: {got} != {want}");
                    }
        }
    }

    /// <summary>
    /// The dW's product M[ξ][f][c] += Σ_t Y'[ξ][f][t]·V[ξ][c][t] against the sum in double, on its 256-bit steps and its
    /// 512-bit ones (emulated where the hardware lacks them), for tile counts from 1 to 9 vectors (odd counts leave the
    /// 512-bit steps a 256-bit tail), channel counts with and without a remainder of the 3-channel blocks, and M holding
    /// values before (it is added into). Each sum's error is bounded by (kt + 20)·u·(|M before| + Σ|Y'·V|).
    /// </summary>
    [Theory]
    [InlineData(1, 1)]
    [InlineData(5, 2)]
    [InlineData(16, 1)]
    public unsafe void FilterProductMatchesItsDefinition(int c, int fb)
    {
        foreach (bool wide in new[] { false, true })
        {
            FilterProductCase<float>(c, fb, wide);
            FilterProductCase<double>(c, fb, wide);
        }
    }

    private static unsafe void FilterProductCase<T>(int c, int fb, bool wide) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int l = System.Runtime.Intrinsics.Vector256<T>.Count, positions = 2, fp = 4 * fb;
        double u = typeof(T) == typeof(float) ? Math.Pow(2, -24) : Math.Pow(2, -53);
        var rng = new Random(c * 17 + fb + (wide ? 1 : 0));
        for (int vectors = 1; vectors <= 9; vectors++)
        {
            int kt = vectors * l, ntp = kt + l;
            long vPosition = (long)c * ntp, yPosition = (long)fp * ntp, mPosition = (long)fp * c;
            var y = new T[positions * yPosition];
            var v = new T[positions * vPosition];
            var m = new T[positions * mPosition + Winograd<T>.FilterGradientSlack];
            for (int i = 0; i < y.Length; i++) y[i] = T.CreateTruncating(rng.NextDouble() - 0.5);
            for (int i = 0; i < v.Length; i++) v[i] = T.CreateTruncating(rng.NextDouble() - 0.5);
            for (int i = 0; i < positions * mPosition; i++) m[i] = T.CreateTruncating(rng.NextDouble() - 0.5);
            var before = (T[])m.Clone();
            fixed (T* py = y, pv = v, pm = m) Winograd<T>.MultiplyFilterGradient(py, pv, pm, c, fb, kt, ntp, vPosition, yPosition, positions, wide);
            for (int xi = 0; xi < positions; xi++)
                for (int f = 0; f < fp; f++)
                    for (int ci = 0; ci < c; ci++)
                    {
                        double want = double.CreateChecked(before[xi * mPosition + (long)f * c + ci]), magnitude = Math.Abs(want);
                        for (int t = 0; t < kt; t++)
                        {
                            double p = double.CreateChecked(y[xi * yPosition + (long)f * ntp + t]) * double.CreateChecked(v[xi * vPosition + (long)ci * ntp + t]);
                            want += p; magnitude += Math.Abs(p);
                        }
                        double got = double.CreateChecked(m[xi * mPosition + (long)f * c + ci]);
                        Assert.True(Math.Abs(got - want) <= (kt + 20) * u * magnitude,
                            $"{typeof(T).Name} wide {wide} vectors {vectors}, position {xi}, filter {f}, channel {ci}: {got} vs {want}");
                    }
        }
    }
}
