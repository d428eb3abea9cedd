using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nabla.Kernels;

/// <summary>
/// Convolutions of stride s ≥ 2 computed straight from the N×C×H×W input, without im2col, for the forward pass, dW and
/// db, and ∂L/∂x. One instance belongs to one layer and reuses its buffers.
/// </summary>
/// <remarks>
/// <para><b>Phase planes.</b> A stride-s window reads every s-th column, so the neighbouring outputs of one tap are not
/// neighbours in the input and a vector cannot load them. Each (zero-padded) input channel is therefore split into s²
/// phase planes, P[p, q][u, v] = xpad[s·u + p, s·v + q]: tap (i, j) of output (y, x) reads P[i mod s, j mod s][y + i / s,
/// x + j / s], so the taps of a row of outputs are a contiguous run of one phase plane again, and every tap is computed
/// once (space-to-depth with a filter of ⌈FH/s⌉ × ⌈FW/s⌉ would compute 16 taps for 9 at 3×3, 36 for 25 at 5×5).</para>
/// <para><b>Forward</b> (<see cref="Correlate"/>): as <see cref="DirectConv{T}"/>'s, 4 filters × 3 output rows × one
/// vector of output columns in 12 registers, 3 input loads and 4 weight broadcasts feeding 12 FMAs per tap; the taps'
/// offsets into the phase planes come from a table. Rows go in blocks of 3 and 2; the last filter block and the last
/// column vector overlap the ones before.</para>
/// <para><b>dW</b> (<see cref="FilterGradientGroup"/>): 4 filters × 3 taps in 12 registers, summed over a group of images
/// before they are added to per-task vector partial sums; the last overlapping filter block and tap triple store only
/// what is new, and the last overlapping column vector masks the lanes already counted.</para>
/// <para><b>∂L/∂x</b>: dxpad[s·u + p, s·v + q] = Σ over filters and the taps (i, j) = (s·a + p, s·b + q) of
/// W[f, c, i, j] · dout[f, u − a, v − b]: for each phase (p, q) a stride-1 correlation of dout (padded by ⌊(FH−1)/s⌋
/// rows and ⌊(FW−1)/s⌋ columns) with that phase's taps, on the same <see cref="Correlate"/> with the roles of filters and
/// channels swapped (no flipped copy of W: the table holds each tap's place in W). The s² phase planes are then
/// interleaved back into dx, the padding dropped. Again every tap is computed once, and nothing is scattered.</para>
/// <para>Images are shared out among the cores: a few tasks per core for forward and ∂L/∂x, one per core for dW (each
/// keeps its own partial sums, added in task order: the bits do not depend on which core ran what).</para>
/// </remarks>
internal sealed unsafe class StridedConv<T> : IParallelJob where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int FilterBlock = 4;
    private static int L => Vector256<T>.Count;

    private enum Pass { Forward, FilterGradient, InputGradient }

    private ConvGeometry _g;
    private int _fn, _tasks, _group, _hq, _wq, _dxRows, _dxCols, _dxStride, _dRows, _dCols;
    private long _phaseSize, _scratchSize;
    private Pass _pass;
    private bool _rectify;
    private T* _x, _w, _b, _out, _dout;
    private T[] _scratch = [], _partial = [], _dbPartial = [];
    private int[] _taps = [];

    /// <summary>
    /// Whether these kernels handle the forward pass and dW of this geometry: AVX2-class vectors, stride 2 or more, at
    /// least 4 filters (one filter block), 2 output rows (one row block), a vector of output columns and 3 filter taps
    /// (one tap triple). Outputs narrower than a vector (7×7 in float) stay on im2col and GEMM: computed a vector wide,
    /// the whole layer's step measured 1.06–1.16 of im2col's time there (its backward reuses the forward's column matrix).
    /// </summary>
    public static bool Supports(ConvGeometry g, int filterCount) =>
        Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported && g.Stride >= 2 &&
        filterCount >= FilterBlock && g.OH >= 2 && g.OW >= L && g.FH * g.FW >= 3;

    /// <summary>
    /// Whether they handle ∂L/∂x too: besides <see cref="Supports"/>, at least 4 input channels (the filter block of
    /// the swapped correlation) and 2 rows of phase planes.
    /// </summary>
    public static bool SupportsInputGradient(ConvGeometry g, int filterCount) =>
        Supports(g, filterCount) && g.C >= FilterBlock && DivUp(g.Pad + g.H, g.Stride) >= 2;

    /// <summary>
    /// out (N, FN, OH, OW) = x (N, C, H, W) ⋆ w (FN, C, FH, FW) + b at the geometry's stride; with
    /// <paramref name="rectify"/>, max(0, ·) of it, applied to each image's output by the task that computed it.
    /// </summary>
    public void Forward(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> b, Span<T> output, ConvGeometry g, int filterCount, bool rectify = false)
    {
        Check(g, filterCount, x.Length, w.Length, output.Length, Supports(g, filterCount));
        if (b.Length < filterCount) throw new ArgumentException($"StridedConv: b holds {b.Length} values for {filterCount} filters.");
        fixed (T* px = x, pw = w, pb = b, po = output)
        {
            _x = px; _w = pw; _b = pb; _out = po; _rectify = rectify;
            try { Run(g, filterCount, Pass.Forward); }
            finally { _x = _w = _b = _out = null; _rectify = false; }
        }
    }

    /// <summary>dW (FN, C, FH, FW) = Σ over images and outputs of dout × the input window; db (FN) = Σ of each filter's dout.</summary>
    public void FilterGradient(ReadOnlySpan<T> x, ReadOnlySpan<T> dout, Span<T> dw, Span<T> db, ConvGeometry g, int filterCount)
    {
        Check(g, filterCount, x.Length, dw.Length, dout.Length, Supports(g, filterCount));
        if (db.Length < filterCount) throw new ArgumentException($"StridedConv: db holds {db.Length} values for {filterCount} filters.");
        int taps = g.C * g.FH * g.FW;
        fixed (T* px = x, pd = dout)
        {
            _x = px; _dout = pd;
            try { Run(g, filterCount, Pass.FilterGradient); }
            finally { _x = _dout = null; }
        }
        TaskSums<T>.Add(_partial, _dbPartial, _tasks, filterCount, taps, dw, db);
    }

    /// <summary>dx (N, C, H, W) = the adjoint of the forward's correlation applied to dout (N, FN, OH, OW).</summary>
    public void InputGradient(ReadOnlySpan<T> dout, ReadOnlySpan<T> w, Span<T> dx, ConvGeometry g, int filterCount)
    {
        Check(g, filterCount, dx.Length, w.Length, dout.Length, SupportsInputGradient(g, filterCount));
        fixed (T* pd = dout, pw = w, px = dx)
        {
            _dout = pd; _w = pw; _x = px;
            try { Run(g, filterCount, Pass.InputGradient); }
            finally { _dout = _w = _x = null; }
        }
    }

    private static void Check(ConvGeometry g, int fn, int xLength, int wLength, int outLength, bool supported)
    {
        if (!supported) throw new InvalidOperationException($"StridedConv does not handle {g} with {fn} filters.");
        if (xLength < (long)g.N * g.C * g.H * g.W || wLength < (long)fn * g.C * g.FH * g.FW || outLength < (long)g.N * fn * g.OH * g.OW)
            throw new ArgumentException($"StridedConv: buffers too small for {g} with {fn} filters.");
    }

    /// <summary>The widest phase row whose stride-2 row (twice as wide) is built on the stack; wider ones take the scalar loops.</summary>
    private const int MaxStackRow = 2048;

    private static int DivUp(int a, int b) => (a + b - 1) / b;

    /// <summary>n elements rounded up to whole cache lines, so that what follows them in the scratch starts on a line.</summary>
    private static long RoundToLine(long n)
    {
        int line = 64 / Unsafe.SizeOf<T>();
        return (n + line - 1) / line * line;
    }

    private void Run(ConvGeometry g, int fn, Pass pass)
    {
        _g = g; _fn = fn; _pass = pass;
        int s = g.Stride, l = L;
        // The phase planes the forward and dW read: rows y + i/s for y < OH, columns x + j/s for x < OW.
        _hq = g.OH + (g.FH - 1) / s;
        _wq = g.OW + (g.FW - 1) / s;
        _phaseSize = RoundToLine((long)g.C * s * s * _hq * _wq);
        // ∂L/∂x: phase planes of dxpad covering [0, pad + H) × [0, pad + W), rows at least a vector wide; dout padded by
        // A = (FH−1)/s rows above and B = (FW−1)/s columns left, as wide as those rows read.
        _dxRows = DivUp(g.Pad + g.H, s);
        _dxCols = DivUp(g.Pad + g.W, s);
        _dxStride = Math.Max(_dxCols, l);
        _dRows = _dxRows + (g.FH - 1) / s;
        _dCols = _dxStride + (g.FW - 1) / s;
        long flop = (long)g.N * fn * g.OH * g.OW * g.C * g.FH * g.FW;
        int threads = flop >= 200_000 ? WorkerPool.Concurrency : 1;
        _tasks = Math.Max(1, Math.Min(g.N, threads == 1 || pass == Pass.FilterGradient ? threads : 4 * threads));
        // dW sums a group of images in registers before it adds to the partial sums: as many as fit in about 192 KB of
        // phase planes, at most 16.
        _group = pass == Pass.FilterGradient ? (int)Math.Clamp(196_608 / (_phaseSize * Unsafe.SizeOf<T>()), 1, 16) : 1;
        _scratchSize = pass switch
        {
            Pass.Forward => _phaseSize,
            Pass.FilterGradient => _group * _phaseSize,
            _ => RoundToLine((long)fn * _dRows * _dCols) + (long)g.C * s * s * _dxRows * _dxStride,
        } + 2 * l;   // the vector reads of the last taps run up to a vector past the last plane: they read, never keep, these
        // Each task's scratch starts on a cache line (a pinned array starts at any multiple of 8 bytes: by the luck of the
        // allocation, half the vector stores of one-vector-wide rows would straddle two lines).
        _scratchSize = RoundToLine(_scratchSize);
        long total = _tasks * _scratchSize + 64 / Unsafe.SizeOf<T>();
        if (_scratch.Length < total) _scratch = GC.AllocateArray<T>(checked((int)total), pinned: true);
        BuildTaps(g, fn, pass);
        if (pass == Pass.FilterGradient)
        {
            int size = _tasks * fn * g.C * g.FH * g.FW * l;
            if (_partial.Length < size) _partial = GC.AllocateArray<T>(size, pinned: true);
            else _partial.AsSpan(0, size).Clear();
            if (_dbPartial.Length < _tasks * fn) _dbPartial = new T[_tasks * fn];
            else _dbPartial.AsSpan(0, _tasks * fn).Clear();
        }
        WorkerPool.Run(this, _tasks);
    }

    /// <summary>
    /// The tap tables. Forward and dW: for tap t = i·FW + j, its offset in a channel's phase planes (plane (i mod s,
    /// j mod s), row i/s, column j/s); then, for the forward, its place t in a filter of W. ∂L/∂x: the s² phases' tap
    /// counts, then for each phase (p, q) its taps' offsets in padded dout ((A − a) rows and (B − b) columns for tap
    /// (i, j) = (s·a + p, s·b + q)), then their places i·FW + j in a filter of W: the two tables <see cref="Correlate"/> reads.
    /// </summary>
    private void BuildTaps(ConvGeometry g, int fn, Pass pass)
    {
        int s = g.Stride, taps = g.FH * g.FW;
        int need = pass == Pass.InputGradient ? s * s + 2 * taps : 2 * taps;
        if (_taps.Length < need) _taps = new int[need];
        if (pass != Pass.InputGradient)
        {
            for (int i = 0; i < g.FH; i++)
                for (int j = 0; j < g.FW; j++)
                {
                    _taps[i * g.FW + j] = (int)((((long)(i % s) * s + j % s) * _hq + i / s) * _wq + j / s);
                    _taps[taps + i * g.FW + j] = i * g.FW + j;
                }
            return;
        }
        int at = s * s, a0 = (g.FH - 1) / s, b0 = (g.FW - 1) / s;
        for (int p = 0; p < s; p++)
            for (int q = 0; q < s; q++)
            {
                int count = DivUp(g.FH - p, s) * DivUp(g.FW - q, s), k = 0;
                for (int i = p; i < g.FH; i += s)
                    for (int j = q; j < g.FW; j += s, k++)
                    {
                        _taps[at + k] = (a0 - i / s) * _dCols + (b0 - j / s);
                        _taps[at + count + k] = i * g.FW + j;
                    }
                _taps[p * s + q] = count;
                at += 2 * count;
            }
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Execute(int task)
    {
        var g = _g;
        int n0 = (int)((long)task * g.N / _tasks), n1 = (int)((long)(task + 1) * g.N / _tasks);
        int l = L, fn = _fn, plane = g.OH * g.OW;
        fixed (T* scratchBase = _scratch, partBase = _partial)
        fixed (int* tapBase = _taps)
        {
            T* scratch = (T*)(((nint)scratchBase + 63) & ~(nint)63) + task * _scratchSize;
            switch (_pass)
            {
                case Pass.Forward:
                {
                    long filter = (long)g.C * g.FH * g.FW;
                    for (int n = n0; n < n1; n++)
                    {
                        Split(_x + (long)n * g.C * g.H * g.W, scratch, g, _hq, _wq);
                        T* o = _out + (long)n * fn * plane;
                        Correlate(scratch, (long)g.Stride * g.Stride * _hq * _wq, _wq, tapBase, _w, filter, g.FH * g.FW, tapBase + g.FH * g.FW, g.FH * g.FW, g.C,
                            _b, o, plane, g.OW, g.OH, g.OW, fn);
                        if (_rectify) ReluKernel<T>.Forward(new ReadOnlySpan<T>(o, fn * plane), new Span<T>(o, fn * plane));
                    }
                    return;
                }
                case Pass.FilterGradient:
                {
                    T* part = partBase + (long)task * fn * g.C * g.FH * g.FW * l;
                    T** xs = stackalloc T*[_group];
                    T** ds = stackalloc T*[_group];
                    for (int n = n0; n < n1; n += _group)
                    {
                        int count = Math.Min(_group, n1 - n);
                        for (int k = 0; k < count; k++)
                        {
                            xs[k] = scratch + k * _phaseSize;
                            Split(_x + (long)(n + k) * g.C * g.H * g.W, xs[k], g, _hq, _wq);
                            ds[k] = _dout + (long)(n + k) * fn * plane;
                            for (int f = 0; f < fn; f++)
                                _dbPartial[task * fn + f] += System.Numerics.Tensors.TensorPrimitives.Sum<T>(new ReadOnlySpan<T>(ds[k] + (long)f * plane, plane));
                        }
                        FilterGradientGroup(xs, ds, count, part, (long)g.Stride * g.Stride * _hq * _wq, _wq, tapBase, g.FH * g.FW, g.C,
                            plane, g.OW, g.OH, g.OW, fn);
                    }
                    return;
                }
                default:
                    for (int n = n0; n < n1; n++) InputGradientImage(n, scratch, tapBase);
                    return;
            }
        }
    }

    /// <summary>
    /// One image's ∂L/∂x: dout padded into the scratch, each phase plane of dxpad computed by <see cref="Correlate"/> from
    /// the phase's taps (none: zeros), then interleaved into dx without the padding.
    /// </summary>
    private void InputGradientImage(int n, T* scratch, int* tables)
    {
        var g = _g;
        int s = g.Stride, fn = _fn, a0 = (g.FH - 1) / s, b0 = (g.FW - 1) / s;
        T* dp = scratch, phases = scratch + RoundToLine((long)fn * _dRows * _dCols);
        long dPlane = (long)_dRows * _dCols, phasePlane = (long)_dxRows * _dxStride;
        // dout into rows a0 … and columns b0 … of zeroed planes; rows and columns that no phase plane reads are left out.
        new Span<T>(dp, (int)(fn * dPlane)).Clear();
        int rows = Math.Min(g.OH, _dxRows), cols = Math.Min(g.OW, _dCols - b0);
        T* d = _dout + (long)n * fn * g.OH * g.OW;
        for (int f = 0; f < fn; f++)
            for (int y = 0; y < rows; y++)
                CopyShort(d + ((long)f * g.OH + y) * g.OW, dp + f * dPlane + (long)(y + a0) * _dCols + b0, cols);
        int* counts = tables, table = tables + s * s;
        long filter = (long)g.FH * g.FW, channel = (long)g.C * g.FH * g.FW;
        for (int p = 0; p < s; p++)
            for (int q = 0; q < s; q++)
            {
                int count = counts[p * s + q];
                T* o = phases + (long)(p * s + q) * phasePlane;
                if (count == 0)
                    for (int c = 0; c < g.C; c++) new Span<T>(o + c * s * s * phasePlane, (int)phasePlane).Clear();
                else
                {
                    // Only the rows u of this phase that hold image rows, s·u + p − pad in [0, H) (at least 2, a row block);
                    // filters here are the input channels c (W's rows c·FH·FW apart), channels the filters f (C·FH·FW
                    // apart); the phase's table holds its offsets into dout, then its places in W.
                    int u0 = DivUp(Math.Max(0, g.Pad - p), s), u1 = Math.Min(_dxRows, DivUp(g.Pad + g.H - p, s));
                    if (u1 - u0 < 2) { u0 = Math.Max(0, u1 - 2); u1 = Math.Min(_dxRows, u0 + 2); }
                    if (u1 > u0)
                        Correlate(dp + (long)u0 * _dCols, dPlane, _dCols, table, _w, filter, channel, table + count, count, fn,
                            null, o + (long)u0 * _dxStride, s * s * phasePlane, _dxStride, u1 - u0, _dxCols, g.C);
                }
                table += 2 * count;
            }
        // dx[c, y, x] = phase (y+pad) mod s, (x+pad) mod s at ((y+pad)/s, (x+pad)/s)
        T* dx = _x + (long)n * g.C * g.H * g.W;
        if (s == 2 && Avx.IsSupported && _dxStride <= MaxStackRow)
        {
            // stride 2: a padded row is its two phase rows interleaved, in vectors, then copied from column pad on
            T* z = stackalloc T[2 * _dxStride + 2 * L];
            for (int c = 0; c < g.C; c++)
                for (int y = 0; y < g.H; y++)
                {
                    int r = y + g.Pad;
                    T* even = phases + (((long)c * 2 + (r & 1)) * 2) * phasePlane + (long)(r >> 1) * _dxStride;
                    Interleave2(even, even + phasePlane, z, _dxCols);
                    CopyShort(z + g.Pad, dx + ((long)c * g.H + y) * g.W, g.W);
                }
            return;
        }
        for (int c = 0; c < g.C; c++)
            for (int y = 0; y < g.H; y++)
            {
                int r = y + g.Pad;
                T* row = dx + ((long)c * g.H + y) * g.W;
                for (int q = 0; q < s; q++)
                {
                    int x0 = ((q - g.Pad) % s + s) % s;
                    T* src = phases + (((long)c * s + r % s) * s + q) * phasePlane + (long)(r / s) * _dxStride + (x0 + g.Pad) / s;
                    for (int x = x0, v = 0; x < g.W; x += s, v++) row[x] = src[v];
                }
            }
    }

    /// <summary>Copies a short row: in vectors from one vector long (<see cref="Simd.CopyRow"/>), else one by one; never a memmove call.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyShort(T* src, T* dst, int n)
    {
        if (n >= L) Simd.CopyRow(src, dst, n);
        else for (int k = 0; k < n; k++) dst[k] = src[k];
    }

    /// <summary>z[2v] = a[v], z[2v + 1] = b[v] for v &lt; n: two phase rows back into one row (AVX: unpacks and a lane swap).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Interleave2(T* a, T* b, T* z, int n)
    {
        int v = 0, l = L;
        for (; v <= n - l; v += l)
        {
            Vector256<T> va = Vector256.Load(a + v), vb = Vector256.Load(b + v), lo, hi;
            if (typeof(T) == typeof(float))
            {
                var x = Avx.UnpackLow(va.AsSingle(), vb.AsSingle()); var y = Avx.UnpackHigh(va.AsSingle(), vb.AsSingle());
                lo = Avx.Permute2x128(x, y, 0x20).As<float, T>(); hi = Avx.Permute2x128(x, y, 0x31).As<float, T>();
            }
            else
            {
                var x = Avx.UnpackLow(va.AsDouble(), vb.AsDouble()); var y = Avx.UnpackHigh(va.AsDouble(), vb.AsDouble());
                lo = Avx.Permute2x128(x, y, 0x20).As<double, T>(); hi = Avx.Permute2x128(x, y, 0x31).As<double, T>();
            }
            lo.Store(z + 2 * v); hi.Store(z + 2 * v + l);
        }
        for (; v < n; v++) { z[2 * v] = a[v]; z[2 * v + 1] = b[v]; }
    }

    /// <summary>even[v] = z[2v], odd[v] = z[2v + 1] for v &lt; n: one row into its two phase rows (AVX: shuffles and a lane permute).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Deinterleave2(T* z, T* even, T* odd, int n)
    {
        int v = 0, l = L;
        for (; v <= n - l; v += l)
        {
            Vector256<T> v0 = Vector256.Load(z + 2 * v), v1 = Vector256.Load(z + 2 * v + l), e, o;
            if (typeof(T) == typeof(float))
            {
                // a0 a2 b0 b2 | a4 a6 b4 b6, then the 64-bit quarters in the order 0 2 1 3
                var se = Avx.Shuffle(v0.AsSingle(), v1.AsSingle(), 0b10_00_10_00); var so = Avx.Shuffle(v0.AsSingle(), v1.AsSingle(), 0b11_01_11_01);
                e = Avx2.Permute4x64(se.AsDouble(), 0b11_01_10_00).As<double, T>(); o = Avx2.Permute4x64(so.AsDouble(), 0b11_01_10_00).As<double, T>();
            }
            else
            {
                var se = Avx.UnpackLow(v0.AsDouble(), v1.AsDouble()); var so = Avx.UnpackHigh(v0.AsDouble(), v1.AsDouble());
                e = Avx2.Permute4x64(se, 0b11_01_10_00).As<double, T>(); o = Avx2.Permute4x64(so, 0b11_01_10_00).As<double, T>();
            }
            e.Store(even + v); o.Store(odd + v);
        }
        for (; v < n; v++) { even[v] = z[2 * v]; odd[v] = z[2 * v + 1]; }
    }

    /// <summary>
    /// Copies one image (C, H, W) into its phase planes (C, s, s, hq, wq): P[c, p, q][u, v] = x[c, s·u + p − pad, s·v + q − pad],
    /// zero where that falls in the padding or past the image.
    /// </summary>
    private static void Split(T* src, T* dst, ConvGeometry g, int hq, int wq)
    {
        int s = g.Stride, pad = g.Pad;
        if (s == 2 && Avx2.IsSupported && wq <= MaxStackRow)
        {
            // stride 2: each padded row (zeros, the image row, zeros to 2·wq) split into its two phase rows in vectors
            T* z = stackalloc T[2 * wq + 2 * L];
            new Span<T>(z, 2 * wq + 2 * L).Clear();
            long plane = (long)hq * wq;
            int w = Math.Min(g.W, 2 * wq - pad);   // the columns any phase row holds
            for (int c = 0; c < g.C; c++)
            {
                T* even = dst + (long)c * 4 * plane;   // phase (0, 0); (0, 1) one plane on, (1, 0) two, (1, 1) three
                for (int r = 0; r < 2 * hq; r++)
                {
                    T* e = even + (long)(r & 1) * 2 * plane + (long)(r >> 1) * wq;
                    int y = r - pad;
                    if (y < 0 || y >= g.H) { new Span<T>(e, wq).Clear(); new Span<T>(e + plane, wq).Clear(); continue; }
                    CopyShort(src + ((long)c * g.H + y) * g.W, z + pad, w);
                    Deinterleave2(z, e, e + plane, wq);
                }
            }
            return;
        }
        for (int c = 0; c < g.C; c++)
            for (int p = 0; p < s; p++)
                for (int q = 0; q < s; q++)
                {
                    T* plane = dst + (((long)c * s + p) * s + q) * hq * wq;
                    // columns v with 0 ≤ s·v + q − pad < W
                    int v0 = Math.Min(wq, DivUp(Math.Max(0, pad - q), s)), v1 = Math.Clamp(DivUp(g.W + pad - q, s), v0, wq);
                    for (int u = 0; u < hq; u++)
                    {
                        T* d = plane + (long)u * wq;
                        int r = s * u + p - pad;
                        if (r < 0 || r >= g.H) { new Span<T>(d, wq).Clear(); continue; }
                        T* srow = src + ((long)c * g.H + r) * g.W + (s * v0 + q - pad);
                        for (int v = 0; v < v0; v++) d[v] = T.Zero;
                        for (int v = v0, k = 0; v < v1; v++, k += s) d[v] = srow[k];
                        for (int v = v1; v < wq; v++) d[v] = T.Zero;
                    }
                }
    }

    /// <summary>
    /// out[f, y, x] = bias[f] (0 without one) + Σ over channels c and taps t of w[f·wFilter + c·wChannel + wTaps[t]] ·
    /// x[c·xChannel + y·xRow + x + xTaps[t]], for fn filters, <paramref name="rows"/> (≥ 2) rows and
    /// <paramref name="cols"/> columns, written at o[f·oPlane + y·oRow + x]. Columns narrower than a vector (only ∂L/∂x's
    /// phase planes) are computed one vector wide (oRow must hold it; the extra lanes are not meaningful); otherwise the
    /// last vector overlaps the one before.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Correlate(T* x, long xChannel, int xRow, int* xTaps, T* w, long wFilter, long wChannel, int* wTaps, int taps, int channels,
        T* bias, T* o, long oPlane, int oRow, int rows, int cols, int fn)
    {
        System.Diagnostics.Debug.Assert(rows >= 2, "a row block is 2 or 3 rows");
        int l = L, lastX = Math.Max(0, cols - l);
        int threes = rows % 3 == 1 ? rows / 3 - 1 : rows / 3, blocks = threes + (rows - 3 * threes) / 2;
        for (int f0 = 0; f0 < fn; f0 += FilterBlock)
        {
            if (f0 > fn - FilterBlock) f0 = fn - FilterBlock;
            for (int blk = 0, y0 = 0; blk < blocks; blk++)
            {
                bool three = blk < threes;
                for (int x0 = 0; x0 < cols; x0 += l)
                {
                    if (x0 > lastX) x0 = lastX;
                    T* xb = x + (long)y0 * xRow + x0;
                    T* op = o + f0 * oPlane + (long)y0 * oRow + x0;
                    T* b = bias == null ? null : bias + f0;
                    if (three) Block(xb, xChannel, xRow, xTaps, w + f0 * wFilter, wFilter, wChannel, wTaps, taps, channels, b, op, oPlane, oRow, three: true);
                    else Block(xb, xChannel, xRow, xTaps, w + f0 * wFilter, wFilter, wChannel, wTaps, taps, channels, b, op, oPlane, oRow, three: false);
                    if (x0 == lastX) break;
                }
                y0 += three ? 3 : 2;
            }
        }
    }

    /// <summary>4 filters × 3 rows (2 unless <paramref name="three"/>, a constant at each call) × one vector of columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block(T* x, long xChannel, int xRow, int* xTaps, T* w, long wFilter, long wChannel, int* wTaps, int taps, int channels,
        T* b, T* op, long oPlane, int oRow, bool three)
    {
        Vector256<T> bias0 = default, bias1 = default, bias2 = default, bias3 = default;
        if (b != null) { bias0 = Vector256.Create(b[0]); bias1 = Vector256.Create(b[1]); bias2 = Vector256.Create(b[2]); bias3 = Vector256.Create(b[3]); }
        Vector256<T> a00 = bias0, a01 = bias0, a02 = bias0, a10 = bias1, a11 = bias1, a12 = bias1;
        Vector256<T> a20 = bias2, a21 = bias2, a22 = bias2, a30 = bias3, a31 = bias3, a32 = bias3;
        for (int ci = 0; ci < channels; ci++)
        {
            T* xc = x + ci * xChannel;
            T* wc = w + ci * wChannel;
            for (int t = 0; t < taps; t++)
            {
                T* r = xc + xTaps[t];
                T* wr = wc + wTaps[t];
                var v0 = Vector256.Load(r); var v1 = Vector256.Load(r + xRow); var v2 = three ? Vector256.Load(r + 2 * xRow) : default;
                var k = Vector256.Create(wr[0]);
                a00 = Simd.Fma(k, v0, a00); a01 = Simd.Fma(k, v1, a01); if (three) a02 = Simd.Fma(k, v2, a02);
                k = Vector256.Create(wr[wFilter]);
                a10 = Simd.Fma(k, v0, a10); a11 = Simd.Fma(k, v1, a11); if (three) a12 = Simd.Fma(k, v2, a12);
                k = Vector256.Create(wr[2 * wFilter]);
                a20 = Simd.Fma(k, v0, a20); a21 = Simd.Fma(k, v1, a21); if (three) a22 = Simd.Fma(k, v2, a22);
                k = Vector256.Create(wr[3 * wFilter]);
                a30 = Simd.Fma(k, v0, a30); a31 = Simd.Fma(k, v1, a31); if (three) a32 = Simd.Fma(k, v2, a32);
            }
        }
        a00.Store(op); a01.Store(op + oRow); if (three) a02.Store(op + 2 * oRow); op += oPlane;
        a10.Store(op); a11.Store(op + oRow); if (three) a12.Store(op + 2 * oRow); op += oPlane;
        a20.Store(op); a21.Store(op + oRow); if (three) a22.Store(op + 2 * oRow); op += oPlane;
        a30.Store(op); a31.Store(op + oRow); if (three) a32.Store(op + 2 * oRow);
    }

    /// <summary>
    /// dW for a group of images (phase planes xs, dout ds): partial (FN, channels, taps) vectors += Σ over the images,
    /// rows and columns of dout[f] × the tap's run of phase plane, 4 filters × 3 taps at a time. dout rows are dRow apart
    /// and cols wide; a last column vector that overlaps the one before counts only its new lanes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FilterGradientGroup(T** xs, T** ds, int count, T* partial, long xChannel, int xRow, int* xTaps, int taps, int channels,
        long dPlane, int dRow, int rows, int cols, int fn)
    {
        int l = L, lastX = cols - l;
        var tailMask = TaskSums<T>.TailMask(cols);
        long filterTaps = (long)channels * taps;
        for (int f0 = 0, done = 0; done < fn; f0 += FilterBlock)
        {
            if (f0 > fn - FilterBlock) f0 = fn - FilterBlock;
            int firstNew = done - f0;   // filters f0 + firstNew … f0 + 3 are new in this block
            for (int ci = 0; ci < channels; ci++)
                for (int t0 = 0, tapsDone = 0; tapsDone < taps; t0 += 3)
                {
                    if (t0 > taps - 3) t0 = taps - 3;
                    int firstNewTap = tapsDone - t0;   // taps t0 + firstNewTap … t0 + 2 are new
                    Vector256<T> a0 = default, a1 = default, a2 = default, b0 = default, b1 = default, b2 = default;
                    Vector256<T> c0 = default, c1 = default, c2 = default, e0 = default, e1 = default, e2 = default;
                    int o0 = xTaps[t0], o1 = xTaps[t0 + 1], o2 = xTaps[t0 + 2];
                    for (int k = 0; k < count; k++)
                    {
                        T* xc = xs[k] + ci * xChannel;
                        T* dr = ds[k] + f0 * dPlane;
                        for (int y = 0; y < rows; y++, xc += xRow, dr += dRow)
                        {
                            int x0 = 0;
                            for (; x0 <= lastX; x0 += l)
                                TaskSums<T>.TripleStep(xc + o0 + x0, xc + o1 + x0, xc + o2 + x0, dr + x0, dPlane, false, default,
                                    ref a0, ref a1, ref a2, ref b0, ref b1, ref b2, ref c0, ref c1, ref c2, ref e0, ref e1, ref e2);
                            if (x0 < cols)
                                TaskSums<T>.TripleStep(xc + o0 + lastX, xc + o1 + lastX, xc + o2 + lastX, dr + lastX, dPlane, true, tailMask,
                                    ref a0, ref a1, ref a2, ref b0, ref b1, ref b2, ref c0, ref c1, ref c2, ref e0, ref e1, ref e2);
                        }
                    }
                    T* pp = partial + ((long)f0 * filterTaps + (long)ci * taps + t0) * l;
                    long step = filterTaps * l;
                    if (firstNew <= 0) AddTriple(pp, l, firstNewTap, a0, a1, a2);
                    if (firstNew <= 1) AddTriple(pp + step, l, firstNewTap, b0, b1, b2);
                    if (firstNew <= 2) AddTriple(pp + 2 * step, l, firstNewTap, c0, c1, c2);
                    AddTriple(pp + 3 * step, l, firstNewTap, e0, e1, e2);
                    tapsDone = t0 + 3;
                }
            done = f0 + FilterBlock;
        }
    }

    /// <summary>partial[t0 + k] += acc k for the new taps k ≥ <paramref name="firstNew"/> of a triple.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddTriple(T* pp, int l, int firstNew, Vector256<T> t0, Vector256<T> t1, Vector256<T> t2)
    {
        if (firstNew <= 0) (Vector256.Load(pp) + t0).Store(pp);
        if (firstNew <= 1) (Vector256.Load(pp + l) + t1).Store(pp + l);
        (Vector256.Load(pp + 2 * l) + t2).Store(pp + 2 * l);
    }

}
