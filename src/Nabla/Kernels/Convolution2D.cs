using System.Numerics;
using System.Runtime.CompilerServices;

namespace Nabla.Kernels;

/// <summary>
/// A 2-D convolution's forward and backward products, and the one place where their kernels are chosen
/// (<see cref="Choose"/>): 3×3 stride-1 convolutions run Winograd F(4×4, 3×3) (<see cref="Winograd4{T}"/>) or
/// F(2×2, 3×3) (<see cref="Winograd{T}"/>) where those measured faster, unless <see cref="KernelOptions.AllowWinograd"/>
/// is off; other stride-1 convolutions with rows of at least one vector
/// run the direct kernels of <see cref="DirectConv{T}"/> on the N×C×H×W input, and convolutions of stride 2 or more
/// those of <see cref="StridedConv{T}"/> on its phase planes, unless <see cref="KernelOptions.AllowDirectConvolution"/>
/// is off; everything else is the book's im2col and one GEMM. One instance belongs to one layer and keeps its buffers (the column matrix, the GEMM's rows) between a
/// forward pass and its backward pass.
/// </summary>
internal sealed class Convolution2D<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private T[] _col = [], _out2 = [], _dout2 = [], _dcol = [], _flipped = [], _zeros = [];
    private DirectConv<T>? _directConv, _directInput;
    private StridedConv<T>? _strided;
    private Winograd<T>? _winograd, _winogradInput, _winogradFilter;
    private Winograd4<T>? _winograd4, _winograd4Input, _winograd4Filter;
    private bool _directAllowed, _winogradAllowed, _colFilled, _wide;

    /// <summary>Whether the last forward pass ran the direct kernels.</summary>
    public bool RanDirect { get; private set; }

    /// <summary>Whether the last forward pass ran the strided direct kernels (<see cref="StridedConv{T}"/>).</summary>
    public bool RanStrided { get; private set; }

    /// <summary>Whether the last backward pass computed ∂L/∂x with the strided direct kernels.</summary>
    public bool RanStridedInputGradient { get; private set; }

    /// <summary>Whether the last forward pass ran Winograd, F(2×2, 3×3) (<see cref="Winograd{T}"/>) or F(4×4, 3×3).</summary>
    public bool RanWinograd { get; private set; }

    /// <summary>Whether the last forward pass ran Winograd F(4×4, 3×3) (<see cref="Winograd4{T}"/>).</summary>
    public bool RanWinograd4 { get; private set; }

    /// <summary>
    /// Whether dW, db go to the direct kernels: they may run (<see cref="KernelOptions.AllowDirectConvolution"/>) and
    /// handle the shape, and Winograd does not take it (<see cref="WinogradFilterGradient"/>). Either holds whichever
    /// kernel ran the forward.
    /// </summary>
    private bool DirectFilterGradient => !WinogradFilterGradient && _directAllowed && DirectConv<T>.Supports(_geometry, _fn);

    /// <summary>
    /// Whether dW, db go to Winograd (F(3×3, 2×2), <see cref="WinogradKernel{T}.FilterGradient"/> of <see cref="Winograd{T}"/>, or F(3×3, 4×4)): allowed
    /// (<see cref="KernelOptions.AllowWinograd"/>), handled, and rather than the direct kernels (where they may run and
    /// take the shape) from <see cref="Winograd{T}.MinChannelsForFilterGradient"/> input channels, or from
    /// <see cref="MinChannelsForFilterGradient4"/> where F(3×3, 4×4) would run; always rather than im2col.
    /// </summary>
    private bool WinogradFilterGradient =>
        _winogradAllowed && Winograd<T>.Supports(_geometry, _fn) &&
        (!(_directAllowed && DirectConv<T>.Supports(_geometry, _fn)) ||
         _geometry.C >= (PreferWinograd4FilterGradient(_geometry) ? MinChannelsForFilterGradient4 : Winograd<T>.MinChannelsForFilterGradient));

    /// <summary>
    /// Input channels from which F(3×3, 4×4)'s dW is preferred over the direct kernels: 0.72–0.87 of direct's time on
    /// DeepConvNet's conv2 and conv3 (16 channels) once its lane sums and its last step were shared out, 0.88–1.06 on 8
    /// channels, slower below (<c>Nabla.Bench winograd --wall --dw</c>, docs/benchmarks.md).
    /// </summary>
    internal const int MinChannelsForFilterGradient4 = 16;

    /// <summary>Whether the last backward pass computed dW and db with Winograd, F(3×3, 2×2) or F(3×3, 4×4).</summary>
    public bool RanWinogradFilterGradient { get; private set; }

    /// <summary>Whether the last backward pass computed dW and db with Winograd F(3×3, 4×4) (<see cref="WinogradKernel{T}.FilterGradient"/> of <see cref="Winograd4{T}"/>).</summary>
    public bool RanWinograd4FilterGradient { get; private set; }

    /// <summary>
    /// Whether a Winograd dW (<see cref="WinogradFilterGradient"/>) runs F(3×3, 4×4) rather than F(3×3, 2×2): with at
    /// least a vector of images. It measured faster or even on the shapes a Winograd dW takes (32 or more channels, and
    /// maps the direct kernels do not take), slower by up to 8 % on 1–16 channels where the direct kernels take them
    /// anyway (<c>Nabla.Bench winograd --wall --dw</c>, docs/benchmarks.md, issue 19, F(4×4, 3×3)).
    /// </summary>
    private static bool PreferWinograd4FilterGradient(ConvGeometry g) => g.N >= System.Runtime.Intrinsics.Vector256<T>.Count;

    private ConvGeometry _geometry;
    private int _fn;

    /// <summary>
    /// output (N, FN, OH, OW) = x (N, C, H, W) ⋆ w (FN, C, FH, FW) + b; with <paramref name="rectify"/>, max(0, ·) of it
    /// (a ReLU after the layer): in F(4×4, 3×3)'s stores and the direct kernels' tasks (each image's output while it is
    /// in cache), else as the ReLU layer's pass over the output, in place.
    /// </summary>
    public void Forward(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> b, Span<T> output, ConvGeometry g, int fn, KernelOptions options,
        bool rectify = false)
    {
        _geometry = g; _fn = fn; _colFilled = false;
        _directAllowed = options.AllowDirectConvolution;
        _winogradAllowed = options.AllowWinograd;
        // 512-bit vectors where the hardware has them and the options let them: today only Winograd's products take them
        _wide = options.Allow512 && System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated && System.Runtime.Intrinsics.Vector512<T>.IsSupported;
        var path = Choose(g, fn, _directAllowed && DirectConv<T>.Supports(g, fn), _winogradAllowed, _directAllowed && StridedConv<T>.Supports(g, fn));
        RanWinograd4 = path == Path.Winograd4;
        RanWinograd = RanWinograd4 || path == Path.Winograd;
        RanDirect = path == Path.Direct;
        RanStrided = path == Path.Strided;
        if (RanStrided)
        {
            (_strided ??= new StridedConv<T>()).Forward(x, w, b, output, g, fn, rectify);
            return;
        }
        if (RanWinograd4)
        {
            WithWidth(ref _winograd4).Forward(x, w, b, output, g, fn, rectify);
            return;
        }
        if (RanDirect)
        {
            (_directConv ??= new DirectConv<T>()).Forward(x, w, b, output, g, fn, rectify);
            return;
        }
        if (RanWinograd) WithWidth(ref _winograd).Forward(x, w, b, output, g, fn);
        else
        {
            int rows = g.ColRows, cols = g.ColCols;
            var col = Buffer(ref _col, rows * cols);
            Im2Col.Forward<T>(x, col, g);
            _colFilled = true;
            var out2 = Buffer(ref _out2, rows * fn);
            Gemm.Multiply<T>(col, w, out2, rows, fn, cols, transB: true);
            // (N·OH·OW, FN) + b → (N, FN, OH, OW)
            RowsToChannels(out2, output, b, g.N, g.OH * g.OW, fn);
        }
        // The paths without the ReLU in their stores: the ReLU layer's own pass, in place.
        int length = g.N * fn * g.OH * g.OW;
        if (rectify) ReluKernel<T>.Forward(output[..length], output[..length]);
    }

    /// <summary>
    /// dW and db from the input <paramref name="x"/> of the last <see cref="Forward"/> and ∂L/∂out; ∂L/∂x into
    /// <paramref name="dx"/> unless it is empty.
    /// </summary>
    public void Backward(ReadOnlySpan<T> x, ReadOnlySpan<T> dout, ReadOnlySpan<T> w, Span<T> dw, Span<T> db, Span<T> dx, ConvGeometry g, int fn)
    {
        int rows = g.ColRows, cols = g.ColCols, plane = g.OH * g.OW;
        bool inputGradient = !dx.IsEmpty, winogradFilter = WinogradFilterGradient, directFilter = DirectFilterGradient;
        bool winograd4Filter = winogradFilter && PreferWinograd4FilterGradient(g);
        bool stridedFilter = !winogradFilter && _directAllowed && StridedConv<T>.Supports(g, fn);
        bool stridedInput = inputGradient && _directAllowed && StridedConv<T>.SupportsInputGradient(g, fn);
        RanStridedInputGradient = stridedInput;
        RanWinogradFilterGradient = winogradFilter;
        RanWinograd4FilterGradient = winograd4Filter;
        // ∂L/∂x as a stride-1 convolution too (see InputGradientGeometry) where the shape allows: on the direct kernels when
        // they may run and take both this layer's shape and that convolution's, or on Winograd, chosen as for a forward.
        var gx = inputGradient ? InputGradientGeometry(g, fn) : null;
        bool directFits = gx is { } gd && _directAllowed && DirectConv<T>.Supports(g, fn) && DirectConv<T>.Supports(gd, g.C);
        var inputPath = gx is { } gw ? Choose(gw, g.C, directFits, _winogradAllowed, strided: false) : Path.Im2Col;
        bool winograd4Input = inputPath == Path.Winograd4, winogradInput = winograd4Input || inputPath == Path.Winograd;
        bool directInput = inputPath == Path.Direct;
        RanWinogradInputGradient = winogradInput;
        RanWinograd4InputGradient = winograd4Input;
        RanDirectInputGradient = directInput;
        // (N, FN, OH, OW) → (N·OH·OW, FN) for the GEMMs
        Span<T> d2s = default;
        if ((!directFilter && !winogradFilter && !stridedFilter) || (inputGradient && !directInput && !winogradInput && !stridedInput))
        {
            d2s = Buffer(ref _dout2, rows * fn);
            ChannelsToRows(dout, d2s, g.N, plane, fn);
        }
        if (winograd4Filter) WithWidth(ref _winograd4Filter).FilterGradient(x, dout, dw, db, g, fn);
        else if (winogradFilter) WithWidth(ref _winogradFilter).FilterGradient(x, dout, dw, db, g, fn);
        else if (directFilter) (_directConv ??= new DirectConv<T>()).FilterGradient(x, dout, dw, db, g, fn);
        else if (stridedFilter) (_strided ??= new StridedConv<T>()).FilterGradient(x, dout, dw, db, g, fn);
        else
        {
            if (!_colFilled) { Im2Col.Forward<T>(x, Buffer(ref _col, rows * cols), g); _colFilled = true; }
            ConvolutionBias.Gradient(dout, db, g.N, fn, plane);
            Gemm.Multiply<T>(d2s, _col.AsSpan(0, rows * cols), dw, fn, cols, rows, transA: true);      // dW = dout2ᵀ·col
        }
        if (!inputGradient) return;
        if (stridedInput)
        {
            (_strided ??= new StridedConv<T>()).InputGradient(dout, w, dx, g, fn);
            return;
        }
        if (directInput || winogradInput)
        {
            var flipped = Buffer(ref _flipped, fn * cols);
            FlipFilters(w, flipped, fn, g.C, g.FH, g.FW);
            var zeros = Buffer(ref _zeros, g.C);
            zeros.Clear();
            if (winograd4Input) WithWidth(ref _winograd4Input).Forward(dout, flipped, zeros, dx, gx!.Value, g.C);
            else if (winogradInput) WithWidth(ref _winogradInput).Forward(dout, flipped, zeros, dx, gx!.Value, g.C);
            else (_directInput ??= new DirectConv<T>()).Forward(dout, flipped, zeros, dx, gx!.Value, g.C);
            return;
        }
        var dcol = Buffer(ref _dcol, rows * cols);
        Gemm.Multiply<T>(d2s, w, dcol, rows, cols, fn);                                                // dcol = dout2·W
        Im2Col.Backward<T>(dcol, dx, g);
    }

    /// <summary>The Winograd kernel held in <paramref name="kernel"/> (made on first use), its products' width set from this call's options.</summary>
    private TKernel WithWidth<TKernel>(ref TKernel? kernel) where TKernel : WinogradKernel<T>, new()
    {
        kernel ??= new TKernel();
        kernel.Wide = _wide;
        return kernel;
    }

    /// <summary>The kernels a convolution (a forward, or the flipped convolution of a ∂L/∂x) can run on.</summary>
    private enum Path { Im2Col, Direct, Winograd, Winograd4, Strided }

    /// <summary>
    /// The one place that chooses a convolution's kernel, <paramref name="direct"/> telling whether the direct kernels may
    /// run and take the shape. Where Winograd may run (<paramref name="winogradAllowed"/>) and handles the shape: F(4×4,
    /// 3×3) where <see cref="PreferWinograd4"/> says it measured fastest; else F(2×2, 3×3) rather than im2col and GEMM
    /// always, and rather than the direct kernels from <see cref="Winograd{T}.MinChannelsOverDirect"/> input channels.
    /// Otherwise the direct kernels where they take the shape, the strided ones (<paramref name="strided"/>: they may run
    /// and take the shape; stride 2 or more, which neither Winograd nor the stride-1 kernels take), else im2col and GEMM.
    /// </summary>
    private static Path Choose(ConvGeometry g, int fn, bool direct, bool winogradAllowed, bool strided)
    {
        if (strided) return Path.Strided;
        if (winogradAllowed && Winograd<T>.Supports(g, fn))
        {
            if (PreferWinograd4(g, fn)) return Path.Winograd4;
            if (!direct || g.C >= Winograd<T>.MinChannelsOverDirect) return Path.Winograd;
        }
        return direct ? Path.Direct : Path.Im2Col;
    }

    /// <summary>
    /// Whether a 3×3 stride-1 convolution that Winograd handles takes F(4×4, 3×3): with at least a vector of images (its
    /// vectors hold one entry of L images), <see cref="MinChannelsForWinograd4"/> input channels and 4 filters (with 2,
    /// its input transform, per channel, is shared by too few products: F(2×2, 3×3) measured as fast or faster).
    /// Measured with <c>Nabla.Bench winograd --wall</c> (docs/benchmarks.md, issue 19, F(4×4, 3×3)).
    /// </summary>
    private static bool PreferWinograd4(ConvGeometry g, int fn) =>
        g.N >= System.Runtime.Intrinsics.Vector256<T>.Count && g.C >= MinChannelsForWinograd4 && fn >= 4;

    /// <summary>The fewest input channels for which F(4×4, 3×3) is chosen (<see cref="PreferWinograd4"/>).</summary>
    internal const int MinChannelsForWinograd4 = 16;

    /// <summary>Whether the last backward pass computed ∂L/∂x with the direct kernels (rather than GEMM and col2im).</summary>
    public bool RanDirectInputGradient { get; private set; }

    /// <summary>Whether the last backward pass computed ∂L/∂x with Winograd (the flipped convolution), either size.</summary>
    public bool RanWinogradInputGradient { get; private set; }

    /// <summary>Whether the last backward pass computed ∂L/∂x with Winograd F(4×4, 3×3).</summary>
    public bool RanWinograd4InputGradient { get; private set; }

    /// <summary>
    /// For stride 1 and square filters padded by at most FH − 1, ∂L/∂x is itself a stride-1 convolution:
    /// dx (N, C, H, W) = dout (N, FN, OH, OW) padded by FH − 1 − pad, convolved with the filters turned half a
    /// circle and their two channel axes swapped, W′[c, f, i, j] = W[f, c, FH−1−i, FW−1−j] (the "full" convolution of
    /// backpropagation). This is that convolution's geometry (its output is H×W); null where it does not apply.
    /// </summary>
    internal static ConvGeometry? InputGradientGeometry(ConvGeometry g, int fn) =>
        g.Stride == 1 && g.FH == g.FW && g.Pad <= g.FH - 1
            ? new ConvGeometry(g.N, fn, g.OH, g.OW, g.FH, g.FW, 1, g.FH - 1 - g.Pad)
            : null;

    /// <summary>W′ (C, FN, FH, FW)[c, f, i, j] = W (FN, C, FH, FW)[f, c, FH−1−i, FW−1−j].</summary>
    private static void FlipFilters(ReadOnlySpan<T> w, Span<T> flipped, int fn, int c, int fh, int fw)
    {
        int taps = fh * fw;
        for (int f = 0; f < fn; f++)
            for (int ci = 0; ci < c; ci++)
            {
                var src = w.Slice((f * c + ci) * taps, taps);
                var dst = flipped.Slice((ci * fn + f) * taps, taps);
                for (int k = 0; k < taps; k++) dst[taps - 1 - k] = src[k];
            }
    }

    private static Span<T> Buffer(ref T[] buffer, int length)
    {
        if (buffer.Length < length) buffer = new T[length];
        return buffer.AsSpan(0, length);
    }

    /// <summary>(N·P, F) rows plus bias → (N, F, P) channel planes: the layout change after the GEMM.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void RowsToChannels(ReadOnlySpan<T> src, Span<T> dst, ReadOnlySpan<T> bias, int n, int plane, int fn)
    {
        fixed (T* s = src) fixed (T* d = dst) fixed (T* b = bias)
            for (int i = 0; i < n; i++)
            {
                T* si = s + (long)i * plane * fn, di = d + (long)i * fn * plane;
                for (int f = 0; f < fn; f++)
                {
                    T bf = b[f];
                    T* dp = di + (long)f * plane;
                    for (int p = 0; p < plane; p++) dp[p] = si[(long)p * fn + f] + bf;
                }
            }
    }

    /// <summary>(N, F, P) channel planes → (N·P, F) rows: the layout the GEMMs of backward read.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void ChannelsToRows(ReadOnlySpan<T> src, Span<T> dst, int n, int plane, int fn)
    {
        fixed (T* s = src) fixed (T* d = dst)
            for (int i = 0; i < n; i++)
            {
                T* si = s + (long)i * fn * plane, di = d + (long)i * plane * fn;
                for (int f = 0; f < fn; f++)
                {
                    T* sp = si + (long)f * plane;
                    for (int p = 0; p < plane; p++) di[(long)p * fn + f] = sp[p];
                }
            }
    }
}

/// <summary>∂L/∂b of a convolution, for the kernels whose dW leaves db to a separate pass (im2col + GEMM, Winograd).</summary>
internal static unsafe class ConvolutionBias
{
    /// <summary>
    /// db[f] = Σ over images and positions of dout (N, FN, plane): each (image, filter) plane is a contiguous run in
    /// NCHW, one vector sum each.
    /// </summary>
    public static void Gradient<T>(ReadOnlySpan<T> dout, Span<T> db, int n, int fn, int plane) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (dout.Length < (long)n * fn * plane || db.Length < fn)
            throw new ArgumentException($"Convolution bias gradient: dout holds {dout.Length} values and db {db.Length}, for {n} images of {fn} planes of {plane}.");
        fixed (T* d = dout, b = db) Gradient(d, b, n, fn, plane, 0, fn);
    }

    /// <summary>
    /// db[f] for the filters [f0, f1) only, each added over the images in the same order as for all of them (the same
    /// bits), so that a kernel's tasks can share the filters.
    /// </summary>
    public static void Gradient<T>(T* dout, T* db, int n, int fn, int plane, int f0, int f1) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int f = f0; f < f1; f++)
        {
            T sum = T.Zero;
            for (int i = 0; i < n; i++) sum += System.Numerics.Tensors.TensorPrimitives.Sum(new ReadOnlySpan<T>(dout + ((long)i * fn + f) * plane, plane));
            db[f] = sum;
        }
    }
}
