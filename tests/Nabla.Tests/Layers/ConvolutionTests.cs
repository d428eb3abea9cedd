using Nabla.Functions;
using Nabla.Kernels;
using Nabla.Layers;

namespace Nabla.Tests.Layers;

public class ConvolutionTests
{
    private static Tensor<double> Rand(Random rng, params int[] shape) => Tensor<double>.RandomNormal(rng, 1.0, shape);

    /// <summary>The book's im2col written as the plainest loops, for comparison.</summary>
    private static double[,] NaiveIm2Col(Tensor<double> x, int fh, int fw, int stride, int pad)
    {
        int n = x.Dim(0), c = x.Dim(1), h = x.Dim(2), w = x.Dim(3);
        int oh = (h + 2 * pad - fh) / stride + 1, ow = (w + 2 * pad - fw) / stride + 1;
        var col = new double[n * oh * ow, c * fh * fw];
        for (int b = 0; b < n; b++) for (int i = 0; i < oh; i++) for (int j = 0; j < ow; j++)
            for (int ch = 0; ch < c; ch++) for (int y = 0; y < fh; y++) for (int z = 0; z < fw; z++)
            {
                int yy = i * stride + y - pad, xx = j * stride + z - pad;
                col[(b * oh + i) * ow + j, (ch * fh + y) * fw + z] = yy >= 0 && yy < h && xx >= 0 && xx < w ? x[b, ch, yy, xx] : 0;
            }
        return col;
    }

    [Theory]
    [InlineData(2, 3, 7, 5, 3, 3, 1, 0)]
    [InlineData(1, 2, 6, 6, 3, 3, 2, 1)]
    [InlineData(2, 1, 5, 7, 2, 4, 2, 1)]
    [InlineData(1, 1, 4, 4, 4, 4, 1, 2)]
    [InlineData(9, 16, 28, 28, 3, 3, 1, 1)]   // from 2¹⁸ values of col the images are shared among the cores (9: unequal shares)
    [InlineData(7, 16, 30, 30, 5, 5, 2, 2)]
    public void Im2ColMatchesNaiveLoopAndCol2ImIsItsAdjoint(int n, int c, int h, int w, int fh, int fw, int stride, int pad)
    {
        var rng = new Random(n + c + h + w);
        var x = Rand(rng, n, c, h, w);
        var g = new ConvGeometry(n, c, h, w, fh, fw, stride, pad);
        var col = new double[g.ColRows * g.ColCols];
        Im2Col.Forward<double>(x.Span, col, g);
        var naive = NaiveIm2Col(x, fh, fw, stride, pad);
        for (int r = 0; r < g.ColRows; r++) for (int k = 0; k < g.ColCols; k++) Assert.Equal(naive[r, k], col[r * g.ColCols + k]);
        // <im2col(x), y> == <x, col2im(y)> for any y: col2im is the transpose of im2col.
        var y = Rand(rng, g.ColRows * g.ColCols);
        var back = new double[x.Length];
        Im2Col.Backward<double>(y.Span, back, g);
        double lhs = 0, rhs = 0;
        for (int i = 0; i < col.Length; i++) lhs += col[i] * y.Span[i];
        for (int i = 0; i < back.Length; i++) rhs += x.Span[i] * back[i];
        Assert.Equal(lhs, rhs, 1e-10);
    }

    private static void Check(ILayer<double> layer, Tensor<double> x, Random rng, double tol = 1e-7) => LayerCheck.Run(layer, x, rng, tol);

    /// <summary>The direct kernels' tests turn Winograd off (it would take their 3×3 shapes; WinogradTests cover it).</summary>
    private static readonly KernelOptions NoWinograd = KernelOptions.Default with { AllowWinograd = false };

    [Theory]
    [InlineData(2, 3, 5, 7, 4, 3, 1, 0)]
    [InlineData(1, 2, 7, 7, 3, 3, 2, 1)]
    [InlineData(3, 1, 6, 5, 2, 2, 2, 1)]
    [InlineData(2, 5, 9, 11, 6, 3, 2, 2)]   // stride 2 (im2col + GEMM) with 3×3 and 5×5, odd channel counts, pads 0–2
    [InlineData(1, 3, 11, 10, 5, 5, 2, 1)]
    [InlineData(2, 4, 9, 9, 3, 5, 2, 0)]
    public void ConvolutionBackwardMatchesNumerical(int n, int c, int h, int w, int fn, int f, int stride, int pad)
    {
        var rng = new Random(n * 7 + c + h);
        var conv = new Convolution<double>(Rand(rng, fn, c, f, f), Rand(rng, fn), stride, pad);
        Check(conv, Rand(rng, n, c, h, w), rng);
    }

    [Theory]
    [InlineData(2, 2, 6, 7, 5, 3, 1)]   // 5 filters: the last block of 4 overlaps; 7 columns: the last vector overlaps
    [InlineData(1, 1, 8, 9, 4, 2, 0)]   // even filter width
    [InlineData(3, 3, 5, 6, 6, 4, 2)]   // padding wider than half the filter
    [InlineData(2, 1, 7, 9, 5, 5, 1)]   // the 5-wide dW kernel: an odd filter count and a partial last vector
    [InlineData(2, 5, 6, 9, 6, 3, 1)]   // 3×3, 5 channels: ∂L/∂x as a direct convolution of dout with the flipped filters
    [InlineData(2, 4, 5, 7, 7, 3, 2)]   // 3×3 padded by 2 (DeepConvNet's fourth layer): the flipped convolution has no padding
    [InlineData(1, 6, 7, 10, 5, 5, 2)]  // 5×5 padded by 2
    [InlineData(1, 4, 7, 9, 4, 5, 0)]   // 5×5 unpadded: the flipped convolution is padded by 4
    public void DirectKernelsBackwardMatchesNumerical(int n, int c, int h, int w, int fn, int f, int pad)
    {
        var rng = new Random(n * 5 + c + w);
        var conv = new Convolution<double>(Rand(rng, fn, c, f, f), Rand(rng, fn), 1, pad) { Options = NoWinograd };
        Assert.True(DirectConv<double>.Supports(new ConvGeometry(n, c, h, w, f, f, 1, pad), fn), "this case should use the direct kernels");
        Check(conv, Rand(rng, n, c, h, w), rng);
        bool flippedFits = pad <= f - 1 && DirectConv<double>.Supports(new ConvGeometry(n, fn, h + 2 * pad - f + 1, w + 2 * pad - f + 1, f, f, 1, f - 1 - pad), c);
        Assert.Equal(flippedFits, conv.LastInputGradientWasDirect);
    }

    /// <summary>The direct kernels and im2col + GEMM give the same output, dW, db and dx, in float and double.</summary>
    [Theory]
    [InlineData(100, 1, 28, 28, 30, 5, 5, 0)] // SimpleConvNet's first layer
    [InlineData(3, 2, 9, 11, 5, 3, 3, 1)]
    [InlineData(2, 3, 6, 12, 4, 2, 4, 0)]
    [InlineData(1, 16, 14, 14, 32, 3, 3, 1)] // a DeepConvNet layer
    [InlineData(2, 1, 9, 20, 7, 5, 2, 2)]
    [InlineData(2, 2, 9, 14, 5, 3, 5, 1)]   // 5 wide, 5 filters, 12 output columns
    [InlineData(2, 1, 28, 28, 16, 3, 3, 1)]  // DeepConvNet's six layers
    [InlineData(2, 16, 28, 28, 16, 3, 3, 1)]
    [InlineData(2, 16, 14, 14, 32, 3, 3, 1)]
    [InlineData(2, 32, 14, 14, 32, 3, 3, 2)]
    [InlineData(2, 32, 8, 8, 64, 3, 3, 1)]
    [InlineData(2, 64, 8, 8, 64, 3, 3, 1)]
    [InlineData(3, 5, 11, 13, 7, 3, 3, 0)]   // odd channel and filter counts, rows not a multiple of the vector
    [InlineData(2, 7, 9, 10, 13, 3, 3, 2)]
    [InlineData(2, 3, 10, 17, 6, 5, 5, 1)]   // 5×5 with every padding
    [InlineData(2, 6, 9, 12, 5, 5, 5, 0)]
    [InlineData(1, 5, 8, 9, 9, 5, 5, 2)]
    [InlineData(37, 3, 5, 9, 5, 3, 3, 1)]    // enough images for two tasks and a group of 16 plus a remainder in 3×3 dW
    [InlineData(20, 9, 9, 9, 4, 3, 3, 1)]
    public void DirectKernelsMatchIm2Col(int n, int c, int h, int w, int fn, int fh, int fw, int pad)
    {
        CompareDirect<double>(n, c, h, w, fn, fh, fw, pad, 1e-12);
        CompareDirect<float>(n, c, h, w, fn, fh, fw, pad, 2e-5);
    }

    private static void CompareDirect<T>(int n, int c, int h, int w, int fn, int fh, int fw, int pad, double tol)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var rng = new Random(n + c + h + w + fn);
        Assert.True(DirectConv<T>.Supports(new ConvGeometry(n, c, h, w, fh, fw, 1, pad), fn));
        var x = Tensor<T>.RandomNormal(rng, T.One, n, c, h, w);
        var wt = Tensor<T>.RandomNormal(rng, T.One, fn, c, fh, fw);
        var b = Tensor<T>.RandomNormal(rng, T.One, fn);
        var direct = new Convolution<T>(wt.Clone(), b.Clone(), 1, pad) { Options = NoWinograd };
        var gemm = new Convolution<T>(wt.Clone(), b.Clone(), 1, pad) { Options = KernelOptions.Default with { AllowDirectConvolution = false, AllowWinograd = false } };
        var o1 = direct.Forward(x).Clone();
        var o2 = gemm.Forward(x).Clone();
        Assert.True(direct.LastForwardWasDirect);
        Assert.False(gemm.LastForwardWasDirect);
        var dout = Tensor<T>.RandomNormal(rng, T.One, o1.Shape.ToArray());
        var dx1 = direct.Backward(dout).Clone();
        var dx2 = gemm.Backward(dout).Clone();
        // ∂L/∂x is a direct convolution whenever the flipped convolution fits the direct kernels (3×3 and 5×5 with pad ≤ FH − 1, C ≥ 4).
        bool flippedFits = pad <= fh - 1 && fh == fw && DirectConv<T>.Supports(new ConvGeometry(n, fn, h + 2 * pad - fh + 1, w + 2 * pad - fw + 1, fh, fw, 1, fh - 1 - pad), c);
        Assert.Equal(flippedFits, direct.LastInputGradientWasDirect);
        Assert.False(gemm.LastInputGradientWasDirect);
        SameAsIm2Col(o1, o2, tol, "direct out"); SameAsIm2Col(direct.DW, gemm.DW, tol, "direct dW");
        SameAsIm2Col(direct.DB, gemm.DB, tol, "direct db"); SameAsIm2Col(dx1, dx2, tol, "direct dx");
    }

    /// <summary>a equals the im2col + GEMM result e within tol times e's largest magnitude (at least 1).</summary>
    private static void SameAsIm2Col<T>(Tensor<T> a, Tensor<T> e, double tol, string what) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        Assert.Equal(e.Shape.ToArray(), a.Shape.ToArray());
        double scale = 1;
        for (int i = 0; i < e.Length; i++) scale = Math.Max(scale, Math.Abs(double.CreateChecked(e.Span[i])));
        for (int i = 0; i < e.Length; i++)
        {
            double d = Math.Abs(double.CreateChecked(a.Span[i]) - double.CreateChecked(e.Span[i]));
            Assert.True(d <= tol * scale, $"{typeof(T).Name} {what}[{i}]: {a.Span[i]} vs im2col {e.Span[i]}");
        }
    }

    /// <summary>
    /// The strided direct kernels (stride ≥ 2, phase planes) and im2col + GEMM give the same output, dW, db and dx, in
    /// float and double: 3×3 and 5×5 (and other sizes) at pads 0–2, strides 2 and 3, channel and filter counts that are
    /// not multiples of 4, outputs that are not a multiple of the vector (the last vector overlaps), 2-row outputs, and
    /// enough images for several tasks and dW groups. Outputs narrower than a vector stay on im2col (7×7 in float).
    /// </summary>
    [Theory]
    [InlineData(3, 16, 28, 28, 32, 3, 3, 2, 1)]   // a down-sampling 3×3: 14×14 out
    [InlineData(2, 32, 14, 14, 64, 3, 3, 2, 1)]   // 7×7 out: strided in double, im2col in float (narrower than its vector)
    [InlineData(2, 16, 28, 28, 32, 5, 5, 2, 2)]
    [InlineData(2, 3, 13, 11, 5, 3, 3, 2, 0)]     // odd sizes, 3 channels (∂L/∂x on im2col), 5 filters, 5 columns (double)
    [InlineData(2, 5, 12, 17, 7, 3, 3, 2, 2)]
    [InlineData(1, 6, 9, 20, 13, 5, 5, 2, 0)]
    [InlineData(2, 4, 10, 23, 6, 5, 5, 2, 1)]
    [InlineData(2, 7, 5, 17, 4, 3, 3, 2, 1)]      // 3 output rows, 3 rows of ∂L/∂x's phase planes (2 of them with image rows)
    [InlineData(2, 4, 5, 40, 4, 3, 3, 2, 0)]      // a single row block of 2 rows, 19 columns
    [InlineData(2, 5, 16, 28, 9, 3, 5, 3, 2)]     // stride 3, a 3×5 filter
    [InlineData(2, 4, 9, 17, 4, 2, 2, 2, 0)]      // 2×2 filters: every phase of ∂L/∂x has one tap
    [InlineData(2, 4, 9, 12, 4, 2, 2, 2, 2)]      // pad 2 over 2×2: ∂L/∂x's phase rows (7) narrower than the output (8) and a float vector
    [InlineData(1, 4, 11, 19, 5, 2, 4, 2, 1)]     // 8 taps: the last tap triple overlaps
    [InlineData(2, 4, 8, 26, 4, 1, 3, 3, 1)]      // stride above the filter height: phases of ∂L/∂x without taps
    [InlineData(37, 3, 9, 17, 5, 3, 3, 2, 1)]     // two tasks, a dW group of 16 and a remainder
    [InlineData(100, 1, 28, 28, 8, 5, 5, 2, 2)]   // one input channel, many images
    [InlineData(1, 4, 3, 4200, 4, 3, 3, 2, 1)]    // rows too wide for the stack: stride 2 on the element-by-element split and interleave
    public void StridedKernelsMatchIm2Col(int n, int c, int h, int w, int fn, int fh, int fw, int stride, int pad)
    {
        CompareStrided<double>(n, c, h, w, fn, fh, fw, stride, pad, 1e-12);
        CompareStrided<float>(n, c, h, w, fn, fh, fw, stride, pad, 2e-5);
    }

    private static void CompareStrided<T>(int n, int c, int h, int w, int fn, int fh, int fw, int stride, int pad, double tol)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var rng = new Random(n + c + h + w + fn + stride);
        var g = new ConvGeometry(n, c, h, w, fh, fw, stride, pad);
        Assert.True(StridedConv<double>.Supports(g, fn), "this case should use the strided kernels");
        bool supported = StridedConv<T>.Supports(g, fn);
        var x = Tensor<T>.RandomNormal(rng, T.One, n, c, h, w);
        var wt = Tensor<T>.RandomNormal(rng, T.One, fn, c, fh, fw);
        var b = Tensor<T>.RandomNormal(rng, T.One, fn);
        var strided = new Convolution<T>(wt.Clone(), b.Clone(), stride, pad);
        var gemm = new Convolution<T>(wt.Clone(), b.Clone(), stride, pad) { Options = KernelOptions.Default with { AllowDirectConvolution = false } };
        var o1 = strided.Forward(x).Clone();
        var o2 = gemm.Forward(x).Clone();
        Assert.Equal(supported, strided.LastForwardWasStrided);
        Assert.False(gemm.LastForwardWasStrided);
        var dout = Tensor<T>.RandomNormal(rng, T.One, o1.Shape.ToArray());
        var dx1 = strided.Backward(dout).Clone();
        var dx2 = gemm.Backward(dout).Clone();
        Assert.Equal(supported && c >= 4, strided.LastInputGradientWasStrided);
        Assert.False(gemm.LastInputGradientWasStrided);
        SameAsIm2Col(o1, o2, tol, "strided out"); SameAsIm2Col(strided.DW, gemm.DW, tol, "strided dW");
        SameAsIm2Col(strided.DB, gemm.DB, tol, "strided db"); SameAsIm2Col(dx1, dx2, tol, "strided dx");
    }

    /// <summary>Once warm, a stride-2 convolution's forward and backward on the strided kernels allocate nothing.</summary>
    [Theory]
    [InlineData(20)]   // 10×10 out: the last vector overlaps
    [InlineData(28)]
    public void StridedConvolutionAllocatesNothingOnceWarm(int size)
    {
        var rng = new Random(size);
        var conv = new Convolution<float>(Tensor<float>.RandomNormal(rng, 0.1f, 32, 16, 3, 3), Tensor<float>.Zeros(32), 2, 1);
        var x = Tensor<float>.RandomNormal(rng, 1f, 20, 16, size, size);
        var dout = Tensor<float>.RandomNormal(rng, 1f, 20, 32, size / 2, size / 2);
        void Step() { conv.Forward(x); conv.Backward(dout); }
        Assert.Equal(0, WarmAllocations.OfSteps(Step));
        Assert.True(conv.LastForwardWasStrided && conv.LastInputGradientWasStrided);
    }

    /// <summary>The strided kernels' forward, dW, db and ∂L/∂x against numerical gradients in double.</summary>
    [Theory]
    [InlineData(2, 4, 9, 11, 5, 3, 3, 2, 1)]
    [InlineData(1, 5, 11, 10, 6, 5, 5, 2, 2)]
    [InlineData(2, 4, 7, 13, 4, 3, 5, 2, 0)]
    [InlineData(1, 4, 10, 10, 7, 3, 3, 3, 1)]
    [InlineData(2, 6, 6, 7, 4, 2, 2, 2, 1)]
    public void StridedKernelsBackwardMatchesNumerical(int n, int c, int h, int w, int fn, int fh, int fw, int stride, int pad)
    {
        var rng = new Random(n * 7 + c + w + stride);
        var conv = new Convolution<double>(Rand(rng, fn, c, fh, fw), Rand(rng, fn), stride, pad);
        Check(conv, Rand(rng, n, c, h, w), rng);
        Assert.True(conv.LastForwardWasStrided);
        Assert.True(conv.LastInputGradientWasStrided);
    }

    /// <summary>
    /// Once warm, a convolution's forward and backward (direct forward, grouped 3×3 dW, flipped ∂L/∂x, on both cores;
    /// with Winograd allowed, its forward and flipped ∂L/∂x) and a pooling's allocate nothing on the calling thread:
    /// the buffers are the layer's own and kept between calls.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ConvolutionAndPoolingAllocateNothingOnceWarm(bool winograd)
    {
        var rng = new Random(5);
        int c = winograd ? 32 : 16;   // Winograd takes 32 channels over the direct kernels
        var conv = new Convolution<float>(Tensor<float>.RandomNormal(rng, 0.1f, 32, c, 3, 3), Tensor<float>.Zeros(32), 1, 1)
        {
            Options = KernelOptions.Default with { AllowWinograd = winograd },
        };
        var pool = new Pooling<float>(2, 2, 2);
        var x = Tensor<float>.RandomNormal(rng, 1f, 20, c, 14, 14);
        var dout = Tensor<float>.RandomNormal(rng, 1f, 20, 32, 7, 7);
        void Step() { pool.ForwardWithRelu(conv.Forward(x)); conv.Backward(pool.Backward(dout)); }
        Assert.Equal(0, WarmAllocations.OfSteps(Step));
        if (winograd) Assert.True(conv.LastForwardWasWinograd && conv.LastInputGradientWasWinograd);
        else Assert.True(conv.LastForwardWasDirect && conv.LastInputGradientWasDirect);
    }

    [Fact]
    public void ConvolutionEqualsDirectSum()
    {
        var rng = new Random(11);
        var x = Rand(rng, 1, 2, 4, 4);
        var wt = Rand(rng, 3, 2, 3, 3);
        var b = Rand(rng, 3);
        var o = new Convolution<double>(wt, b, 1, 1).Forward(x);
        Assert.Equal([1, 3, 4, 4], o.Shape.ToArray());
        for (int f = 0; f < 3; f++) for (int i = 0; i < 4; i++) for (int j = 0; j < 4; j++)
        {
            double s = b[f];
            for (int c = 0; c < 2; c++) for (int y = 0; y < 3; y++) for (int z = 0; z < 3; z++)
            {
                int yy = i + y - 1, xx = j + z - 1;
                if (yy >= 0 && yy < 4 && xx >= 0 && xx < 4) s += wt[f, c, y, z] * x[0, c, yy, xx];
            }
            Assert.Equal(s, o[0, f, i, j], 1e-12);
        }
    }

    [Theory]
    [InlineData(2, 3, 6, 6, 2, 2, 0)]
    [InlineData(1, 2, 7, 5, 3, 2, 1)]
    [InlineData(2, 1, 5, 5, 2, 1, 0)]
    public void PoolingBackwardMatchesNumerical(int n, int c, int h, int w, int pool, int stride, int pad)
    {
        var rng = new Random(n + c * 3 + h);
        // Distinct values far apart, so no window has a tie a small step could flip.
        var perm = Enumerable.Range(0, n * c * h * w).OrderBy(_ => rng.Next()).Select(v => v * 0.1 + 0.05).ToArray();
        Check(new Pooling<double>(pool, pool, stride, pad), new Tensor<double>(perm, n, c, h, w), rng);
    }

    /// <summary>
    /// The vectorised 2×2 float pool (widths 8, 9, 12 and 24 windows; 4 windows, two rows a step, with an even and an odd
    /// number of rows and with a ninth column outside every window; one row of 4, left to the scalar loop) against the
    /// plainest loop, ties included.
    /// </summary>
    [Theory]
    [InlineData(2, 3, 16, 16)]
    [InlineData(3, 2, 18, 19)]
    [InlineData(100, 30, 24, 24)]
    [InlineData(1, 1, 48, 48)]
    [InlineData(100, 64, 8, 8)]
    [InlineData(2, 3, 6, 8)]
    [InlineData(2, 2, 10, 9)]
    [InlineData(1, 2, 2, 8)]
    public void FloatPoolingMatchesNaiveLoopWithTies(int n, int c, int h, int w)
    {
        var rng = new Random(h * w + n);
        // Few distinct values, so most windows hold ties: the first maximum (row-major) must win.
        var x = new Tensor<float>(Enumerable.Range(0, n * c * h * w).Select(_ => (float)rng.Next(4)).ToArray(), n, c, h, w);
        var pool = new Pooling<float>(2, 2, 2);
        var o = pool.Forward(x);
        int oh = h / 2, ow = w / 2;
        var dout = new Tensor<float>(Enumerable.Range(0, n * c * oh * ow).Select(i => (float)(i % 7 + 1)).ToArray(), n, c, oh, ow);
        // A first backward leaves values in the layer's dx buffer: the second must not see them.
        pool.Backward(new Tensor<float>(Enumerable.Range(0, n * c * oh * ow).Select(i => 100f + i).ToArray(), n, c, oh, ow));
        var dx = pool.Backward(dout);
        var expectDx = new float[x.Length];
        for (int p = 0; p < n * c; p++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++)
                {
                    int best = p * h * w + 2 * i * w + 2 * j;
                    foreach (int off in new[] { 1, w, w + 1 })
                        if (x.Span[p * h * w + 2 * i * w + 2 * j + off] > x.Span[best]) best = p * h * w + 2 * i * w + 2 * j + off;
                    int k = (p * oh + i) * ow + j;
                    Assert.Equal(x.Span[best], o.Span[k]);
                    expectDx[best] += dout.Span[k];
                }
        Assert.Equal(expectDx, dx.ToArray());
    }

    [Fact]
    public void PoolingTakesTheWindowMaximum()
    {
        var x = new Tensor<double>([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], 1, 1, 4, 4);
        var o = new Pooling<double>(2, 2, 2).Forward(x);
        Assert.Equal([6.0, 8, 14, 16], o.ToArray());
    }

    [Fact]
    public void BadShapesAreNamed()
    {
        var conv = new Convolution<double>(Tensor<double>.Zeros(2, 3, 3, 3), Tensor<double>.Zeros(2));
        var e = Assert.Throws<ArgumentException>(() => conv.Forward(Tensor<double>.Zeros(1, 2, 5, 5)));
        Assert.Contains("(1, 2, 5, 5)", e.Message);
        Assert.Throws<ArgumentException>(() => conv.Forward(Tensor<double>.Zeros(1, 3, 2, 2)));
    }
}
