using System.Numerics;
using Nabla.Kernels;
using Nabla.Layers;
using Nabla.Tests.Layers;

namespace Nabla.Tests.Kernels;

/// <summary>
/// Winograd F(4×4, 3×3) (<see cref="Winograd4{T}"/>) against the book's im2col + GEMM in float and double, its ∂L/∂x
/// through the layer against numerical gradients, its dispatch in <see cref="Convolution2D{T}"/>, and its buffers.
/// </summary>
public class Winograd4Tests
{
    /// <summary>Every padding; outputs 1×1 to 28×28, odd and not multiples of 4; channel and filter counts 1 to 64.</summary>
    public static IEnumerable<object[]> Shapes()
    {
        // (H, W) for pad 1; the other pads shift the output size by ∓2.
        (int H, int W)[] sizes = [(3, 3), (5, 7), (7, 5), (9, 9), (11, 6), (14, 14), (8, 8)];
        (int C, int F)[] channels = [(1, 1), (3, 7), (7, 3), (17, 33), (33, 17), (64, 5), (1, 64)];
        foreach (int pad in new[] { 0, 1, 2 })
            foreach (var (h, w) in sizes)
                foreach (var (c, f) in channels)
                    if (h + 2 * pad >= 3 && w + 2 * pad >= 3)
                        yield return [pad, h, w, c, f];
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ForwardMatchesIm2Col(int pad, int h, int w, int c, int fn)
    {
        int n = h * w * c > 4_000 ? 3 : 5;   // fewer images than a vector: a partial group
        Compare<double>(n, c, h, w, fn, pad);
        Compare<float>(n, c, h, w, fn, pad);
    }

    /// <summary>Several groups of images (a partial last one), several blocks per core; DeepConvNet's shapes.</summary>
    [Theory]
    [InlineData(37, 16, 28, 28, 16, 1)]   // conv2
    [InlineData(21, 16, 14, 14, 32, 1)]   // conv3
    [InlineData(23, 32, 14, 14, 32, 2)]   // conv4: 16×16 out
    [InlineData(19, 32, 8, 8, 64, 1)]     // conv5
    [InlineData(17, 64, 8, 8, 64, 1)]     // conv6
    [InlineData(9, 32, 16, 16, 32, 0)]    // conv4's ∂L/∂x
    [InlineData(11, 33, 7, 9, 7, 0)]
    [InlineData(5, 130, 6, 7, 13, 1)]     // the filter transform shared among the cores, 13 filters (a partial last block)
    public void ManyBlocksMatchIm2Col(int n, int c, int h, int w, int fn, int pad)
    {
        Compare<double>(n, c, h, w, fn, pad);
        Compare<float>(n, c, h, w, fn, pad);
    }

    private static readonly double[,] Bt =
    {
        { 4, 0, -5, 0, 1, 0 }, { 0, -4, -4, 1, 1, 0 }, { 0, 4, -4, -1, 1, 0 },
        { 0, -2, -1, 2, 1, 0 }, { 0, 2, -1, -2, 1, 0 }, { 0, 4, 0, -5, 0, 1 },
    };
    private static readonly double[,] G =
    {
        { 1 / 4.0, 0, 0 }, { 1 / 6.0, 1 / 6.0, 1 / 6.0 }, { 1 / 6.0, 1 / 6.0, 1 / 6.0 },
        { 1 / 24.0, 1 / 12.0, 1 / 6.0 }, { 1 / 24.0, 1 / 12.0, 1 / 6.0 }, { 0, 0, 1 },
    };   // |G|
    private static readonly double[,] At = { { 1, 1, 1, 1, 1, 0 }, { 0, 1, 1, 2, 2, 0 }, { 0, 1, 1, 4, 4, 0 }, { 0, 1, 1, 8, 8, 1 } };   // |Aᵀ|

    /// <summary>|M| |a| |N|ᵀ for a (r × r) and |M| (k × r), |N| (k × r): the transform done in absolute values.</summary>
    private static double[,] AbsTransform(double[,] m, double[,] a, double[,] nn)
    {
        int k = m.GetLength(0), r = m.GetLength(1), k2 = nn.GetLength(0);
        var t = new double[k, k2];
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k2; j++)
            {
                double s = 0;
                for (int p = 0; p < r; p++)
                    for (int q = 0; q < r; q++) s += Math.Abs(m[i, p]) * Math.Abs(a[p, q]) * Math.Abs(nn[j, q]);
                t[i, j] = s;
            }
        return t;
    }

    /// <summary>
    /// Runs the kernel itself (twice: the second call reuses the first one's buffers) and compares it with im2col + GEMM.
    /// </summary>
    /// <remarks>
    /// The tolerance is a first-order rounding analysis of the two computations, with u the unit roundoff (2⁻²⁴ for
    /// float, 2⁻⁵³ for double). Winograd's computation done in absolute values gives, for output (a, b) of a tile,
    /// T = Σ_ξ |Aᵀ|[a, k]·|Aᵀ|[b, i] · Σ_c Ũ_c[ξ]·Ṽ_c[ξ] (ξ = (k, i)) with Ũ = |G| |g| |G|ᵀ and Ṽ = |Bᵀ| |d| |Bᵀ|ᵀ over
    /// the 6×6 padded input tile: every intermediate value is at most its counterpart there. The longest chain of
    /// roundings is C + 23 (4 in each of G's two passes, counting ⅙'s own rounding; 3 in each of Bᵀ's; C in the
    /// product's FMAs; 4 in each of Aᵀ's two passes; 1 for the bias), so |winograd − exact| ≤ (C + 23)·u·T to first
    /// order; we allow (C + 24)·u·T. The reference's dot
    /// product of 9C terms is off by at most 9C·u·Σ|w||x| (over the 3×3 window), plus the bias's few u of the result.
    /// T is much larger than the output (Bᵀ's 5s and Aᵀ's 8s): this bounds the worst case, and the float check is
    /// tight only for few channels; the double check (u = 2⁻⁵³) catches any wrong coefficient or misplaced value.
    /// </remarks>
    /// <summary>Ṽ = |Bᵀ| |d| |Bᵀ|ᵀ of the 6×6 input tile (ty, tx) of image i, channel ci (zero outside the map).</summary>
    private static double[,] InputTileAbs<T>(Tensor<T> x, int i, int ci, int ty, int tx, int pad) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int h = x.Dim(2), w = x.Dim(3);
        var d = new double[6, 6];
        for (int r = 0; r < 6; r++)
            for (int q = 0; q < 6; q++)
            {
                int yy = 4 * ty + r - pad, xx = 4 * tx + q - pad;
                if (yy >= 0 && yy < h && xx >= 0 && xx < w) d[r, q] = double.CreateChecked(x[i, ci, yy, xx]);
            }
        return AbsTransform(Bt, d, Bt);
    }

    private static void Compare<T>(int n, int c, int h, int w, int fn, int pad) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = new ConvGeometry(n, c, h, w, 3, 3, 1, pad);
        if (!Winograd4<T>.Supports(g, fn)) return;   // no AVX2: nothing to compare
        var rng = new Random(n * 1_000 + c * 37 + h * 11 + w + fn * 3 + pad);
        var x = Tensor<T>.RandomNormal(rng, T.One, n, c, h, w);
        var wt = Tensor<T>.RandomNormal(rng, T.One, fn, c, 3, 3);
        var b = Tensor<T>.RandomNormal(rng, T.One, fn);
        var expected = new Convolution<T>(wt.Clone(), b.Clone(), 1, pad) { Options = WinogradTests.Reference }.Forward(x);
        var actual = new T[n * fn * g.OH * g.OW];
        var kernel = new Winograd4<T>();
        for (int run = 0; run < 2; run++) kernel.Forward(x.Span, wt.Span, b.Span, actual, g, fn);
        double u = typeof(T) == typeof(float) ? Math.Pow(2, -24) : Math.Pow(2, -53);
        // Ũ per (f, c); Ṽ per (image, c, tile).
        var uAbs = new double[fn, c][,];
        for (int f = 0; f < fn; f++)
            for (int ci = 0; ci < c; ci++)
            {
                var gf = new double[3, 3];
                for (int k = 0; k < 9; k++) gf[k / 3, k % 3] = double.CreateChecked(wt[f, ci, k / 3, k % 3]);
                uAbs[f, ci] = AbsTransform(G, gf, G);
            }
        int th = (g.OH + 3) / 4, tw = (g.OW + 3) / 4;
        var vAbs = new double[n, c, th, tw][,];
        for (int i = 0; i < n; i++)
            for (int ci = 0; ci < c; ci++)
                for (int ty = 0; ty < th; ty++)
                    for (int tx = 0; tx < tw; tx++)
                        vAbs[i, ci, ty, tx] = InputTileAbs(x, i, ci, ty, tx, pad);
        var m = new double[6, 6];
        for (int i = 0; i < n; i++)
            for (int f = 0; f < fn; f++)
                for (int ty = 0; ty < th; ty++)
                    for (int tx = 0; tx < tw; tx++)
                    {
                        // Σ_c Ũ_c ⊙ Ṽ_c for this tile and filter.
                        for (int k = 0; k < 36; k++)
                        {
                            double s = 0;
                            for (int ci = 0; ci < c; ci++) s += uAbs[f, ci][k / 6, k % 6] * vAbs[i, ci, ty, tx][k / 6, k % 6];
                            m[k / 6, k % 6] = s;
                        }
                        for (int a = 0; a < 4 && 4 * ty + a < g.OH; a++)
                            for (int bb = 0; bb < 4 && 4 * tx + bb < g.OW; bb++)
                            {
                                int y = 4 * ty + a, z = 4 * tx + bb;
                                double t = 0, direct = 0;
                                for (int k = 0; k < 6; k++)
                                    for (int q = 0; q < 6; q++) t += At[a, k] * At[bb, q] * m[k, q];
                                for (int ci = 0; ci < c; ci++)
                                    for (int r = 0; r < 3; r++)
                                        for (int q = 0; q < 3; q++)
                                        {
                                            int yy = y + r - pad, xx = z + q - pad;
                                            if (yy >= 0 && yy < h && xx >= 0 && xx < w)
                                                direct += Math.Abs(double.CreateChecked(wt[f, ci, r, q]) * double.CreateChecked(x[i, ci, yy, xx]));
                                        }
                                double e = double.CreateChecked(expected[i, f, y, z]);
                                double av = double.CreateChecked(actual[((i * fn + f) * g.OH + y) * g.OW + z]);
                                double tol = (c + 24) * u * t + 9.0 * c * u * direct + 4 * u * Math.Abs(e);
                                Assert.True(Math.Abs(av - e) <= tol,
                                    $"{typeof(T).Name} n={i} f={f} y={y} x={z}: winograd4 {av} vs im2col {e} (|Δ| {Math.Abs(av - e):G3} > {tol:G3})");
                            }
                    }
    }

    /// <summary>dW and db by the transposed points, F(3×3, 4×4), over pads, odd sizes, and channel counts off the vector.</summary>
    [Theory]
    [InlineData(3, 1, 5, 7, 1, 0)]
    [InlineData(5, 3, 7, 5, 7, 1)]
    [InlineData(9, 7, 9, 9, 3, 2)]
    [InlineData(11, 17, 6, 11, 33, 1)]
    [InlineData(4, 33, 8, 8, 17, 0)]
    [InlineData(13, 32, 8, 8, 64, 1)]     // DeepConvNet's conv5, two groups of images (one partial)
    [InlineData(37, 64, 8, 8, 64, 1)]     // conv6, five groups of images (one partial)
    [InlineData(37, 64, 8, 8, 64, 1, 32)] // the same in blocks of at most 32 KB a position (8 vectors of tiles): two a task, the last partial
    [InlineData(10, 16, 14, 14, 32, 2)]   // conv4-like: 16×16 out
    [InlineData(5, 130, 6, 7, 13, 1)]
    public void FilterGradientMatchesIm2Col(int n, int c, int h, int w, int fn, int pad, int positionKb = 0)
    {
        int? positionBytes = positionKb > 0 ? positionKb * 1024 : null;
        CompareFilterGradient<double>(n, c, h, w, fn, pad, positionBytes);
        CompareFilterGradient<float>(n, c, h, w, fn, pad, positionBytes);
    }

    /// <summary>
    /// Runs <see cref="Winograd4{T}.FilterGradient"/> twice (with blocks of at most <paramref name="positionBytes"/> of V and Y' a position
    /// where given) and compares dW with im2col + GEMM, db with the plain sum.
    /// </summary>
    /// <remarks>
    /// As for the forward: with Ỹ = |A| |δ| |A|ᵀ of each 4×4 dout tile and Ṽ = |Bᵀ| |d| |Bᵀ|ᵀ of its 6×6 padded input
    /// tile, T[j, l] = Σ_ξ |Gᵀ|[j, k]·|G|[q, l] · Σ over images and tiles of Ỹ[ξ]·Ṽ[ξ] bounds every intermediate value
    /// taken in absolute values. The longest chain of roundings is K + 22 (K = images × tiles added, in whatever order
    /// lanes, blocks and cores add them; 3 in each of A's passes and Bᵀ's, 1 for the product, 4 in each of Gᵀ's passes
    /// counting ⅙'s rounding), so the error is at most (K + 22)·u·T; we allow (K + 24)·u·T, plus the reference's
    /// N·OH·OW·u·Σ|δ||x| (its dot product over the positions).
    /// </remarks>
    private static void CompareFilterGradient<T>(int n, int c, int h, int w, int fn, int pad, int? positionBytes = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = new ConvGeometry(n, c, h, w, 3, 3, 1, pad);
        if (!Winograd4<T>.Supports(g, fn)) return;
        var rng = new Random(n * 1_000 + c * 37 + h * 11 + w + fn * 3 + pad);
        var x = Tensor<T>.RandomNormal(rng, T.One, n, c, h, w);
        var wt = Tensor<T>.RandomNormal(rng, T.One, fn, c, 3, 3);
        var b = Tensor<T>.RandomNormal(rng, T.One, fn);
        var reference = new Convolution<T>(wt.Clone(), b.Clone(), 1, pad) { Options = WinogradTests.Reference, ComputeInputGradient = false };
        reference.Forward(x);
        var dout = Tensor<T>.RandomNormal(rng, T.One, n, fn, g.OH, g.OW);
        reference.Backward(dout);
        var dw = new T[fn * c * 9];
        var db = new T[fn];
        var kernel = new Winograd4<T> { FilterGradientPositionBytes = positionBytes };
        for (int run = 0; run < 2; run++) kernel.FilterGradient(x.Span, dout.Span, dw, db, g, fn);
        double u = typeof(T) == typeof(float) ? Math.Pow(2, -24) : Math.Pow(2, -53);
        int th = (g.OH + 3) / 4, tw = (g.OW + 3) / 4, k = n * th * tw;
        var aAbs = new double[6, 4];   // |A| = |Aᵀ|ᵀ
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 4; j++) aAbs[i, j] = At[j, i];
        // Ṽ per (image, c, tile), Ỹ per (image, f, tile).
        var vAbs = new double[n, c, th, tw][,];
        var yAbs = new double[n, fn, th, tw][,];
        for (int i = 0; i < n; i++)
            for (int ty = 0; ty < th; ty++)
                for (int tx = 0; tx < tw; tx++)
                {
                    for (int ci = 0; ci < c; ci++)
                        vAbs[i, ci, ty, tx] = InputTileAbs(x, i, ci, ty, tx, pad);
                    for (int f = 0; f < fn; f++)
                    {
                        var d = new double[4, 4];
                        for (int r = 0; r < 4; r++)
                            for (int q = 0; q < 4; q++)
                            {
                                int yy = 4 * ty + r, xx = 4 * tx + q;
                                if (yy < g.OH && xx < g.OW) d[r, q] = double.CreateChecked(dout[i, f, yy, xx]);
                            }
                        yAbs[i, f, ty, tx] = AbsTransform(aAbs, d, aAbs);
                    }
                }
        for (int f = 0; f < fn; f++)
        {
            double dbSum = 0, dbAbs = 0;
            for (int i = 0; i < n; i++)
                for (int p = 0; p < g.OH * g.OW; p++) { double v = double.CreateChecked(dout[i, f, p / g.OW, p % g.OW]); dbSum += v; dbAbs += Math.Abs(v); }
            Assert.True(Math.Abs(double.CreateChecked(db[f]) - dbSum) <= 2 * g.N * g.OH * g.OW * u * dbAbs + 1e-300, $"db[{f}]");
            for (int ci = 0; ci < c; ci++)
            {
                var m = new double[6, 6];
                for (int i = 0; i < n; i++)
                    for (int ty = 0; ty < th; ty++)
                        for (int tx = 0; tx < tw; tx++)
                            for (int e = 0; e < 36; e++) m[e / 6, e % 6] += yAbs[i, f, ty, tx][e / 6, e % 6] * vAbs[i, ci, ty, tx][e / 6, e % 6];
                for (int j = 0; j < 3; j++)
                    for (int l = 0; l < 3; l++)
                    {
                        double t = 0, direct = 0;
                        for (int p = 0; p < 6; p++)
                            for (int q = 0; q < 6; q++) t += G[p, j] * G[q, l] * m[p, q];
                        for (int i = 0; i < n; i++)
                            for (int y = 0; y < g.OH; y++)
                                for (int z = 0; z < g.OW; z++)
                                {
                                    int yy = y + j - pad, xx = z + l - pad;
                                    if (yy >= 0 && yy < h && xx >= 0 && xx < w)
                                        direct += Math.Abs(double.CreateChecked(dout[i, f, y, z]) * double.CreateChecked(x[i, ci, yy, xx]));
                                }
                        double e = double.CreateChecked(reference.DW[f, ci, j, l]);
                        double a = double.CreateChecked(dw[(f * c + ci) * 9 + 3 * j + l]);
                        double tol = (k + 24) * u * t + g.N * g.OH * g.OW * u * direct;
                        Assert.True(Math.Abs(a - e) <= tol,
                            $"{typeof(T).Name} dW[{f},{ci},{j},{l}]: winograd4 {a} vs im2col {e} (|Δ| {Math.Abs(a - e):G3} > {tol:G3})");
                    }
            }
        }
    }

    /// <summary>
    /// ∂L/∂x (the flipped convolution, on F(4×4, 3×3) as the dispatch chooses: at least a vector of images, 4 doubles),
    /// dW and db (on F(3×3, 4×4)) through the layer against numerical gradients in double.
    /// </summary>
    [Theory]
    [InlineData(5, 32, 8, 8, 64, 1)]     // DeepConvNet's conv5 shape, fewer images
    [InlineData(4, 32, 9, 7, 33, 2)]     // odd sizes; pad 2: the flipped convolution has none
    [InlineData(4, 33, 6, 5, 32, 0)]     // pad 0: the flipped convolution is padded by 2
    public void LayerBackwardMatchesNumerical(int n, int c, int h, int w, int fn, int pad)
    {
        var rng = new Random(n * 13 + c + w + pad);
        var conv = new Convolution<double>(Tensor<double>.RandomNormal(rng, 1.0, fn, c, 3, 3), Tensor<double>.RandomNormal(rng, 1.0, fn), 1, pad);
        LayerCheck.Run(conv, Tensor<double>.RandomNormal(rng, 1.0, n, c, h, w), rng, 1e-7);
        if (!Winograd4<double>.Supports(new ConvGeometry(n, c, h, w, 3, 3, 1, pad), fn)) return;
        Assert.True(conv.LastForwardWasWinograd4);
        Assert.True(conv.LastInputGradientWasWinograd4);
        Assert.True(conv.LastFilterGradientWasWinograd4);   // 32 or more channels: a Winograd dW
    }

    /// <summary>
    /// The layer's choice among F(4×4, 3×3), F(2×2, 3×3), the direct kernels and im2col for the forward and for the
    /// ∂L/∂x convolution (C and FN swapped), as measured (docs/benchmarks.md): F(4×4, 3×3) from 16 input channels, 4
    /// filters and a vector of images; and for dW ("f34": F(3×3, 4×4), "f32": F(3×3, 2×2), "other": direct or im2col) F(3×3, 4×4)
    /// wherever a Winograd dW runs with a vector of images. AllowWinograd off turns every Winograd off. Every output and
    /// gradient agrees with im2col. F(3×3, 4×4)'s dW runs from 16 channels where the direct kernels take the shape.
    /// </summary>
    [Theory]
    [InlineData(true, true, 100, 32, 8, 8, 64, 1, "f43", "f43", "f34")]          // DeepConvNet's conv5 (∂L/∂x: 64 channels)
    [InlineData(true, true, 100, 16, 28, 28, 16, 1, "f43", "f43", "f34")]       // conv2: F(3×3, 4×4) dW from 16 channels
    [InlineData(true, true, 100, 15, 14, 14, 16, 1, "direct", "f43", "other")]  // 15 channels: direct forward and dW
    [InlineData(true, true, 7, 16, 14, 14, 16, 1, "direct", "direct", "other")] // 16 channels, fewer images than a vector: direct
    [InlineData(true, true, 100, 1, 28, 28, 16, 1, "direct", "f23", "other")]   // conv1: one channel; its ∂L/∂x one filter
    [InlineData(true, true, 100, 8, 14, 14, 8, 1, "direct", "direct", "other")] // 8 channels: the direct kernels
    [InlineData(true, true, 4, 32, 8, 8, 64, 1, "f23", "f23", "f32")]            // fewer images than a vector: F(2×2, 3×3)
    [InlineData(true, false, 100, 8, 14, 14, 8, 1, "f23", "f23", "f34")]         // direct off: F(2×2, 3×3) below 16 channels
    [InlineData(true, true, 100, 16, 7, 7, 32, 1, "f43", "f43", "f34")]          // too narrow for the direct kernels
    [InlineData(true, true, 100, 16, 7, 7, 3, 1, "f23", "f23", "f34")]           // 3 filters: F(2×2, 3×3) (∂L/∂x: 3 channels)
    [InlineData(false, true, 100, 64, 8, 8, 64, 1, "direct", "direct", "other")] // Winograd off: none
    [InlineData(false, false, 100, 16, 8, 8, 16, 2, "im2col", "im2col", "other")]
    public void DispatchReportsThePath(bool allowWinograd, bool allowDirect, int n, int c, int h, int w, int fn, int pad, string forward, string inputGradient, string filterGradient)
    {
        if (!Winograd4<float>.Supports(new ConvGeometry(n, c, h, w, 3, 3, 1, pad), fn)) return;
        var rng = new Random(n + c + h + fn);
        var x = Tensor<float>.RandomNormal(rng, 1f, n, c, h, w);
        var wt = Tensor<float>.RandomNormal(rng, 1f, fn, c, 3, 3);
        var b = Tensor<float>.RandomNormal(rng, 1f, fn);
        var conv = new Convolution<float>(wt.Clone(), b.Clone(), 1, pad)
        {
            Options = KernelOptions.Default with { AllowWinograd = allowWinograd, AllowDirectConvolution = allowDirect },
        };
        var reference = new Convolution<float>(wt.Clone(), b.Clone(), 1, pad) { Options = WinogradTests.Reference };
        var y = conv.Forward(x).Clone();
        var expected = reference.Forward(x);
        var dout = Tensor<float>.RandomNormal(rng, 1f, y.Shape.ToArray());
        var dx = conv.Backward(dout).Clone();
        var dxExpected = reference.Backward(dout);
        string ranForward = conv.LastForwardWasWinograd4 ? "f43" : conv.LastForwardWasWinograd ? "f23" : conv.LastForwardWasDirect ? "direct" : "im2col";
        string ranInput = conv.LastInputGradientWasWinograd4 ? "f43" : conv.LastInputGradientWasWinograd ? "f23" : conv.LastInputGradientWasDirect ? "direct" : "im2col";
        Assert.Equal(forward, ranForward);
        Assert.Equal(inputGradient, ranInput);
        string ranFilter = conv.LastFilterGradientWasWinograd4 ? "f34" : conv.LastFilterGradientWasWinograd ? "f32" : "other";
        Assert.Equal(filterGradient, ranFilter);
        WinogradTests.Close(conv.DW, reference.DW, 1e-3f);
        WinogradTests.Close(conv.DB, reference.DB, 1e-3f);
        // Scaled like WinogradTests' dispatch comparison; F(4×4, 3×3)'s larger transform coefficients (5 in Bᵀ, 8 in Aᵀ)
        // and up to 9 · 64 terms make its float rounding about ten times F(2×2, 3×3)'s.
        WinogradTests.Close(y, expected, 1e-3f);
        WinogradTests.Close(dx, dxExpected, 1e-3f);
    }

    /// <summary>Once warm, a forward and a dW allocate nothing (the buffers, the transformed filters and the job are kept).</summary>
    [Fact]
    public void AllocatesNothingOnceWarm()
    {
        var g = new ConvGeometry(20, 32, 8, 8, 3, 3, 1, 1);
        if (!Winograd4<float>.Supports(g, 64)) return;
        var rng = new Random(3);
        var x = Tensor<float>.RandomNormal(rng, 1f, 20, 32, 8, 8);
        var w = Tensor<float>.RandomNormal(rng, 1f, 64, 32, 3, 3);
        var b = new float[64];
        var output = new float[20 * 64 * 64];
        var kernel = new Winograd4<float>();
        var dw = new float[64 * 32 * 9];
        void Step()
        {
            kernel.Forward(x.Span, w.Span, b, output, g, 64);
            kernel.FilterGradient(x.Span, output, dw, b, g, 64);
        }
        Assert.Equal(0, WarmAllocations.OfSteps(Step, warmUp: 1, steps: 1));
    }

    [Fact]
    public void RejectsShapesItDoesNotHandle()
    {
        var k = new Winograd4<float>();
        var g5 = new ConvGeometry(1, 2, 8, 8, 5, 5, 1, 1);
        var e1 = Assert.Throws<InvalidOperationException>(() => k.Forward(new float[128], new float[100], new float[2], new float[2 * 36], g5, 2));
        Assert.Contains("F(4×4, 3×3) does not handle", e1.Message);
        var g = new ConvGeometry(1, 2, 8, 8, 3, 3, 1, 1);
        if (!Winograd4<float>.Supports(g, 2)) return;
        var e = Assert.Throws<ArgumentException>(() => k.Forward(new float[100], new float[36], new float[2], new float[128], g, 2));
        Assert.Contains("too small", e.Message);
        Assert.False(Winograd4<float>.Supports(new ConvGeometry(1, 2, 8, 8, 3, 3, 2, 1), 2));   // stride 2
        Assert.False(Winograd4<float>.Supports(new ConvGeometry(1, 2, 8, 8, 3, 3, 1, 3), 2));   // pad 3
    }
    /// <summary>
    /// The forward's rectified stores (a ReLU after the convolution) against the ReLU's separate pass, bit for bit, with
    /// NaN in the output; several groups of images and a partial last one, maps narrower than a vector and wider.
    /// </summary>
    [Theory]
    [InlineData(19, 16, 14, 14, 5, 1)]
    [InlineData(11, 17, 6, 5, 9, 1)]    // output 6×5: narrower than a float vector
    [InlineData(9, 32, 16, 16, 16, 0)]
    public void RectifiedStoresGiveTheReluPassesBits(int n, int c, int h, int w, int fn, int pad)
    {
        Rectified<float>(n, c, h, w, fn, pad);
        Rectified<double>(n, c, h, w, fn, pad);
    }

    private static void Rectified<T>(int n, int c, int h, int w, int fn, int pad) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Random(n * 31 + c);
        var g = new ConvGeometry(n, c, h, w, 3, 3, 1, pad);
        var x = Tensor<T>.RandomUniform(rng, -T.One, T.One, n, c, h, w);
        x.Span[7] = T.NaN;                                  // a NaN reaches some outputs
        x.Span[x.Length - 3] = T.NegativeInfinity;
        var wt = Tensor<T>.RandomUniform(rng, -T.One, T.One, fn, c, 3, 3);
        var b = Tensor<T>.RandomUniform(rng, -T.One, T.One, fn);
        int outLength = n * fn * g.OH * g.OW;
        var plain = new T[outLength];
        var kernel = new Winograd4<T>();
        kernel.Forward(x.Span, wt.Span, b.Span, plain, g, fn);
        var rectified = new T[outLength];
        kernel.Forward(x.Span, wt.Span, b.Span, rectified, g, fn, rectify: true);
        var expected = new T[outLength];
        ReluKernel<T>.Forward(plain, expected);
        Assert.Contains(expected, v => T.IsNaN(v));
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.AsBytes(expected.AsSpan()).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(rectified.AsSpan())));
        // The next plain call stores unrectified values again.
        kernel.Forward(x.Span, wt.Span, b.Span, rectified, g, fn);
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.AsBytes(plain.AsSpan()).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(rectified.AsSpan())));
    }
}
