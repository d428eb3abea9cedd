using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Nabla.Kernels;

/// <summary>
/// Stride-1 convolution computed straight from the N×C×H×W input, without im2col: the output is written in
/// NCHW, so neither the column matrix (25 times the input for a 5×5 filter) nor the layout changes around the
/// GEMM are needed. One instance belongs to one layer and reuses its buffers.
/// </summary>
/// <remarks>
/// <para>Forward keeps a block of 4 filters × 3 output rows × one vector of output columns in 12 registers and
/// adds every tap (c, i, j) to it: 3 input loads and 4 weight broadcasts feed 12 FMAs. Rows go in blocks of 3 and,
/// where OH is not a multiple of 3, of 2; blocks that do not divide the filter count or the columns evenly overlap
/// the previous block and rewrite the same values. Nothing else stays in a vector register across the taps: 16 are
/// all AVX2 has. The same kernel computes ∂L/∂x, as the convolution of dout with the flipped filters
/// (<see cref="Convolution2D{T}.InputGradientGeometry"/>).</para>
/// <para>dW keeps 4 filters × 2 neighbouring taps (j, j+1) in 8 registers and runs over the image: 2 input loads
/// and 4 loads of dout feed 8 FMAs; 5-wide filters use 2 filters × all the taps of a filter row instead, and 3-wide
/// filters 4 filters × the 3 taps, summed over a group of images, so that no tap is computed twice. Overlapping
/// blocks would count twice here, so the last column vector masks the lanes already counted and an overlapping
/// filter block stores only its new filters. Each task sums its images into vector partial sums (and db into its own
/// sums); the tasks and then the lanes are added at the end.</para>
/// <para>Images are shared out among the cores: a few tasks per core for forward, one per core for dW. Zero padding
/// is made in a per-task copy of the image (of the group of images for 3-wide dW).</para>
/// </remarks>
internal sealed unsafe class DirectConv<T> : IParallelJob where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int FilterBlock = 4, RowBlock = 3;
    private static int L => Vector256<T>.Count;

    private ConvGeometry _g;
    private int _fn, _tasks, _group;
    private bool _backward, _rectify;
    private T* _x, _w, _b, _out;
    private T[] _padded = [], _partial = [], _dbPartial = [];

    /// <summary>Whether the direct kernels handle this geometry (otherwise use im2col and GEMM).</summary>
    public static bool Supports(ConvGeometry g, int filterCount) =>
        Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported && g.Stride == 1 &&
        filterCount >= FilterBlock && g.OW >= L && g.OH >= RowBlock && g.FW >= 2;

    /// <summary>
    /// out (N, FN, OH, OW) = x (N, C, H, W) ⋆ w (FN, C, FH, FW) + b; with <paramref name="rectify"/>, max(0, ·) of it (a
    /// ReLU after the convolution), applied to each image's output by the task that computed it while it is in cache, by
    /// the same library call as the ReLU layer's (<see cref="ReluKernel{T}.Forward"/>): the same bits.
    /// </summary>
    public void Forward(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> b, Span<T> output, ConvGeometry g, int filterCount, bool rectify = false)
    {
        Check(g, filterCount, x.Length, w.Length, output.Length);
        fixed (T* px = x, pw = w, pb = b, po = output)
        {
            _x = px; _w = pw; _b = pb; _out = po; _rectify = rectify;
            try { Run(g, filterCount, backward: false); }
            finally { _x = _w = _b = _out = null; _rectify = false; }
        }
    }

    /// <summary>
    /// dW (FN, C, FH, FW) = Σ over images and output positions of dout × the input window, and db (FN) = Σ of
    /// each filter's dout.
    /// </summary>
    public void FilterGradient(ReadOnlySpan<T> x, ReadOnlySpan<T> dout, Span<T> dw, Span<T> db, ConvGeometry g, int filterCount)
    {
        Check(g, filterCount, x.Length, dw.Length, dout.Length);
        if (db.Length < filterCount) throw new ArgumentException($"DirectConv: db holds {db.Length} values for {filterCount} filters.");
        int taps = g.C * g.FH * g.FW;
        fixed (T* px = x, pd = dout)
        {
            _x = px; _out = pd;
            try { Run(g, filterCount, backward: true); }
            finally { _x = _out = null; }
        }
        TaskSums<T>.Add(_partial, _dbPartial, _tasks, filterCount, taps, dw, db);
    }

    private static void Check(ConvGeometry g, int fn, int xLength, int wLength, int outLength)
    {
        if (!Supports(g, fn)) throw new InvalidOperationException($"DirectConv does not handle {g} with {fn} filters.");
        if (xLength < (long)g.N * g.C * g.H * g.W || wLength < (long)fn * g.C * g.FH * g.FW || outLength < (long)g.N * fn * g.OH * g.OW)
            throw new ArgumentException($"DirectConv: buffers too small for {g} with {fn} filters.");
    }

    private void Run(ConvGeometry g, int fn, bool backward)
    {
        _g = g; _fn = fn; _backward = backward;
        int threads = (long)g.N * fn * g.OH * g.OW * g.C * g.FH * g.FW >= 200_000 ? WorkerPool.Concurrency : 1;
        // dW keeps partial sums per task, so it has one task per core; forward runs a few tasks per core, claimed as the
        // cores come free, so that a core slowed by other work does not hold up the whole product.
        _tasks = Math.Max(1, Math.Min(g.N, threads == 1 || backward ? threads : 4 * threads));
        int hp = g.H + 2 * g.Pad, wp = g.W + 2 * g.Pad;
        // dW of 3-wide filters sums a group of images in registers before it adds to the partial sums (see
        // GradientGroupThreeWide): as many as fit in about 192 KB of (padded) input, at most 16.
        long imageBytes = (long)g.C * hp * wp * Unsafe.SizeOf<T>();
        _group = backward && g.FW == 3 ? (int)Math.Clamp(196_608 / imageBytes, 1, 16) : 1;
        long padSize = (long)_tasks * _group * g.C * hp * wp;
        if (g.Pad > 0 && _padded.Length < padSize) _padded = GC.AllocateArray<T>((int)padSize, pinned: true);
        if (backward)
        {
            int size = _tasks * fn * g.C * g.FH * g.FW * L;
            if (_partial.Length < size) _partial = GC.AllocateArray<T>(size, pinned: true);
            else _partial.AsSpan(0, size).Clear();
            if (_dbPartial.Length < _tasks * fn) _dbPartial = new T[_tasks * fn];
            else _dbPartial.AsSpan(0, _tasks * fn).Clear();
        }
        WorkerPool.Run(this, _tasks);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Execute(int task)
    {
        var g = _g;
        int n0 = (int)((long)task * g.N / _tasks), n1 = (int)((long)(task + 1) * g.N / _tasks);
        int hp = g.H + 2 * g.Pad, wp = g.W + 2 * g.Pad, image = g.C * g.H * g.W;
        fixed (T* padBase = _padded, partBase = _partial)
        {
            T* scratch = padBase + (long)task * _group * g.C * hp * wp;
            if (_backward && g.FW == 3)
            {
                T* part = partBase + (long)task * _fn * g.C * g.FH * g.FW * L;
                T** xs = stackalloc T*[_group];
                T** ds = stackalloc T*[_group];
                int plane = g.OH * g.OW;
                for (int n = n0; n < n1; n += _group)
                {
                    int count = Math.Min(_group, n1 - n);
                    for (int q = 0; q < count; q++)
                    {
                        xs[q] = _x + (long)(n + q) * image;
                        if (g.Pad > 0) { T* p = scratch + (long)q * g.C * hp * wp; Pad(xs[q], p, g, hp, wp); xs[q] = p; }
                        ds[q] = _out + (long)(n + q) * _fn * plane;
                        for (int f = 0; f < _fn; f++)
                            _dbPartial[task * _fn + f] += System.Numerics.Tensors.TensorPrimitives.Sum<T>(new ReadOnlySpan<T>(ds[q] + (long)f * plane, plane));
                    }
                    GradientGroupThreeWide(xs, ds, count, part, g, hp, wp, _fn);
                }
                return;
            }
            for (int n = n0; n < n1; n++)
            {
                T* xin = _x + (long)n * image;
                if (g.Pad > 0) { Pad(xin, scratch, g, hp, wp); xin = scratch; }
                if (_backward)
                {
                    T* dn = _out + (long)n * _fn * g.OH * g.OW, part = partBase + (long)task * _fn * g.C * g.FH * g.FW * L;
                    if (g.FW == 5) GradientImageWholeRow<FiveTaps>(xin, dn, part, g, hp, wp, _fn);
                    else GradientImage(xin, dn, part, g, hp, wp, _fn);
                    int plane = g.OH * g.OW;
                    for (int f = 0; f < _fn; f++)
                        _dbPartial[task * _fn + f] += System.Numerics.Tensors.TensorPrimitives.Sum<T>(new ReadOnlySpan<T>(dn + (long)f * plane, plane));
                }
                else
                {
                    T* o = _out + (long)n * _fn * g.OH * g.OW;
                    if (g.FW == 3) ForwardImage<ThreeTaps>(xin, _w, _b, o, g, hp, wp, _fn);
                    else if (g.FW == 5) ForwardImage<FiveTaps>(xin, _w, _b, o, g, hp, wp, _fn);
                    else ForwardImage<AnyTaps>(xin, _w, _b, o, g, hp, wp, _fn);
                    int length = _fn * g.OH * g.OW;
                    if (_rectify) ReluKernel<T>.Forward(new ReadOnlySpan<T>(o, length), new Span<T>(o, length));
                }
            }
        }
    }

    /// <summary>
    /// Copies one image (C, H, W) into the middle of (C, hp, wp) and zeroes the border around it (the rows are short:
    /// vector copies rather than a memmove call each).
    /// </summary>
    private static void Pad(T* src, T* dst, ConvGeometry g, int hp, int wp)
    {
        int p = g.Pad, w = g.W;
        for (int c = 0; c < g.C; c++)
        {
            T* plane = dst + (long)c * hp * wp;
            new Span<T>(plane, p * wp).Clear();
            new Span<T>(plane + (long)(p + g.H) * wp, (hp - p - g.H) * wp).Clear();
            for (int y = 0; y < g.H; y++)
            {
                T* row = plane + (long)(y + p) * wp;
                for (int k = 0; k < p; k++) { row[k] = T.Zero; row[p + w + k] = T.Zero; }
                Simd.CopyRow(src + ((long)c * g.H + y) * w, row + p, w);
            }
        }
    }

    /// <summary>
    /// One image: out (FN, OH, OW) from the (padded) input (C, hp, wp). The filter width is a JIT-time constant for
    /// 3- and 5-wide filters (<typeparamref name="TW"/>), so a filter row's taps are unrolled; the taps are added in the
    /// same order whatever the width type. Rows go in blocks of 3, and of 2 where OH is not a multiple of 3 (28 rows:
    /// eight 3s and two 2s), so that no row is computed twice.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardImage<TW>(T* x, T* w, T* b, T* o, ConvGeometry g, int hp, int wp, int fn) where TW : struct, ITapCount
    {
        int oh = g.OH, ow = g.OW, fh = g.FH, fw = TW.Count > 0 ? TW.Count : g.FW, c = g.C, l = L;
        long filter = (long)c * fh * fw, plane = (long)oh * ow;
        int threes = oh % 3 == 1 ? oh / 3 - 1 : oh / 3, blocks = threes + (oh - 3 * threes) / 2; // OH ≥ 3
        for (int f0 = 0; f0 < fn; f0 += FilterBlock)
        {
            if (f0 > fn - FilterBlock) f0 = fn - FilterBlock;
            T* wf = w + f0 * filter;
            for (int blk = 0, y0 = 0; blk < blocks; blk++)
            {
                bool three = blk < threes;
                for (int x0 = 0; x0 < ow; x0 += l)
                {
                    if (x0 > ow - l) x0 = ow - l;
                    T* xr = x + (long)y0 * wp + x0, op = o + f0 * plane + (long)y0 * ow + x0;
                    if (three) ForwardBlock<TW>(xr, wf, b + f0, op, c, fh, fw, hp, wp, ow, filter, plane, three: true);
                    else ForwardBlock<TW>(xr, wf, b + f0, op, c, fh, fw, hp, wp, ow, filter, plane, three: false);
                }
                y0 += three ? 3 : 2;
            }
        }
    }

    /// <summary>
    /// One block of <see cref="ForwardImage{TW}"/>: 4 filters × 3 rows (2 unless <paramref name="three"/>, a constant at
    /// each call) × one vector of columns, from bias b[0..4) plus every tap.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ForwardBlock<TW>(T* x, T* wf, T* b, T* op, int c, int fh, int fw, int hp, int wp, int ow, long filter, long plane, bool three)
        where TW : struct, ITapCount
    {
        var bias0 = Vector256.Create(b[0]); var bias1 = Vector256.Create(b[1]);
        var bias2 = Vector256.Create(b[2]); var bias3 = Vector256.Create(b[3]);
        Vector256<T> a00 = bias0, a01 = bias0, a02 = bias0, a10 = bias1, a11 = bias1, a12 = bias1;
        Vector256<T> a20 = bias2, a21 = bias2, a22 = bias2, a30 = bias3, a31 = bias3, a32 = bias3;
        for (int ci = 0; ci < c; ci++)
        {
            T* r = x + (long)ci * hp * wp;
            T* wr = wf + (long)ci * fh * fw;
            for (int i = 0; i < fh; i++, r += wp, wr += fw)
            {
                if (TW.Count == 3)
                {
                    ForwardTap(r, wr, wp, filter, three, ref a00, ref a01, ref a02, ref a10, ref a11, ref a12, ref a20, ref a21, ref a22, ref a30, ref a31, ref a32);
                    ForwardTap(r + 1, wr + 1, wp, filter, three, ref a00, ref a01, ref a02, ref a10, ref a11, ref a12, ref a20, ref a21, ref a22, ref a30, ref a31, ref a32);
                    ForwardTap(r + 2, wr + 2, wp, filter, three, ref a00, ref a01, ref a02, ref a10, ref a11, ref a12, ref a20, ref a21, ref a22, ref a30, ref a31, ref a32);
                }
                else
                    for (int j = 0; j < fw; j++)
                        ForwardTap(r + j, wr + j, wp, filter, three, ref a00, ref a01, ref a02, ref a10, ref a11, ref a12, ref a20, ref a21, ref a22, ref a30, ref a31, ref a32);
            }
        }
        a00.Store(op); a01.Store(op + ow); if (three) a02.Store(op + 2 * ow); op += plane;
        a10.Store(op); a11.Store(op + ow); if (three) a12.Store(op + 2 * ow); op += plane;
        a20.Store(op); a21.Store(op + ow); if (three) a22.Store(op + 2 * ow); op += plane;
        a30.Store(op); a31.Store(op + ow); if (three) a32.Store(op + 2 * ow);
    }

    /// <summary>One tap of <see cref="ForwardBlock{TW}"/>: 3 input rows (r, r + wp, r + 2·wp; 2 unless <paramref name="three"/>) times 4 filters' weight (wr, wr + filter, …).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ForwardTap(T* r, T* wr, int wp, long filter, bool three,
        ref Vector256<T> a00, ref Vector256<T> a01, ref Vector256<T> a02, ref Vector256<T> a10, ref Vector256<T> a11, ref Vector256<T> a12,
        ref Vector256<T> a20, ref Vector256<T> a21, ref Vector256<T> a22, ref Vector256<T> a30, ref Vector256<T> a31, ref Vector256<T> a32)
    {
        var v0 = Vector256.Load(r); var v1 = Vector256.Load(r + wp); var v2 = three ? Vector256.Load(r + 2 * wp) : default;
        var k = Vector256.Create(wr[0]);
        a00 = Simd.Fma(k, v0, a00); a01 = Simd.Fma(k, v1, a01); if (three) a02 = Simd.Fma(k, v2, a02);
        k = Vector256.Create(wr[filter]);
        a10 = Simd.Fma(k, v0, a10); a11 = Simd.Fma(k, v1, a11); if (three) a12 = Simd.Fma(k, v2, a12);
        k = Vector256.Create(wr[2 * filter]);
        a20 = Simd.Fma(k, v0, a20); a21 = Simd.Fma(k, v1, a21); if (three) a22 = Simd.Fma(k, v2, a22);
        k = Vector256.Create(wr[3 * filter]);
        a30 = Simd.Fma(k, v0, a30); a31 = Simd.Fma(k, v1, a31); if (three) a32 = Simd.Fma(k, v2, a32);
    }

    /// <summary>One image's share of dW: partial (FN, C, FH, FW) vectors += dout (FN, OH, OW) × input windows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GradientImage(T* x, T* d, T* partial, ConvGeometry g, int hp, int wp, int fn)
    {
        int oh = g.OH, ow = g.OW, fh = g.FH, fw = g.FW, c = g.C, l = L;
        long plane = (long)oh * ow, taps = (long)c * fh * fw;
        int lastX = ow - l;
        var tailMask = TaskSums<T>.TailMask(ow);
        for (int f0 = 0, done = 0; done < fn; f0 += FilterBlock)
        {
            if (f0 > fn - FilterBlock) f0 = fn - FilterBlock;
            int firstNew = done - f0; // filters f0 + firstNew … f0 + 3 are new in this block
            T* d0 = d + f0 * plane;
            for (int ci = 0; ci < c; ci++)
                for (int i = 0; i < fh; i++)
                    for (int j0 = 0; j0 < fw; j0 += 2)
                    {
                        bool single = j0 == fw - 1;   // odd filter width: the last pair is (fw−2, fw−1), keep only fw−1
                        int j = single ? j0 - 1 : j0;
                        Vector256<T> p0 = default, p1 = default, p2 = default, p3 = default, q0 = default, q1 = default, q2 = default, q3 = default;
                        for (int y = 0; y < oh; y++)
                        {
                            T* r = x + ((long)ci * hp + y + i) * wp + j;
                            T* dr = d0 + (long)y * ow;
                            int x0 = 0;
                            for (; x0 <= lastX; x0 += l)
                                PairStep(r + x0, dr + x0, plane, Vector256<T>.AllBitsSet, ref p0, ref p1, ref p2, ref p3, ref q0, ref q1, ref q2, ref q3);
                            if (x0 < ow) // the last vector overlaps the one before: only its new lanes count
                                PairStep(r + lastX, dr + lastX, plane, tailMask, ref p0, ref p1, ref p2, ref p3, ref q0, ref q1, ref q2, ref q3);
                        }
                        long tap = ((long)ci * fh + i) * fw + j;
                        T* pp = partial + ((long)f0 * taps + tap) * l;
                        long step = taps * l;
                        if (firstNew <= 0) AddPair(pp, p0, q0, l, single);
                        if (firstNew <= 1) AddPair(pp + step, p1, q1, l, single);
                        if (firstNew <= 2) AddPair(pp + 2 * step, p2, q2, l, single);
                        AddPair(pp + 3 * step, p3, q3, l, single);
                    }
            done = f0 + FilterBlock;
        }
    }

    /// <summary>Filter widths with a whole-row dW kernel: the width is a JIT-time constant of the kernel's instance.</summary>
    private interface ITapCount { static abstract int Count { get; } }
    private struct ThreeTaps : ITapCount { public static int Count => 3; }
    private struct FiveTaps : ITapCount { public static int Count => 5; }
    private struct AnyTaps : ITapCount { public static int Count => 0; }   // the width read from the geometry

    /// <summary>
    /// <see cref="GradientImage"/> for 3- and 5-wide filters (DeepConvNet's and SimpleConvNet's): 2 filters × every
    /// tap of a filter row in 6 or 10 registers, so no tap is computed twice; the row's input loads and 2 of dout
    /// feed 2 FMAs per tap.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GradientImageWholeRow<TW>(T* x, T* d, T* partial, ConvGeometry g, int hp, int wp, int fn) where TW : struct, ITapCount
    {
        int oh = g.OH, ow = g.OW, fh = g.FH, c = g.C, l = L, fw = TW.Count;
        long plane = (long)oh * ow, taps = (long)c * fh * fw;
        int lastX = ow - l;
        var tailMask = TaskSums<T>.TailMask(ow);
        for (int f0 = 0, done = 0; done < fn; f0 += 2)
        {
            if (f0 > fn - 2) f0 = fn - 2;       // odd filter count: the last pair overlaps, keep only its second
            bool firstIsNew = f0 >= done;
            T* d0 = d + f0 * plane, d1 = d0 + plane;
            for (int ci = 0; ci < c; ci++)
                for (int i = 0; i < fh; i++)
                {
                    Vector256<T> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default;
                    Vector256<T> b0 = default, b1 = default, b2 = default, b3 = default, b4 = default;
                    T* r = x + ((long)ci * hp + i) * wp;
                    T* e0p = d0, e1p = d1;
                    for (int y = 0; y < oh; y++, r += wp, e0p += ow, e1p += ow)
                    {
                        int x0 = 0;
                        for (; x0 <= lastX; x0 += l)
                            RowStep(fw, r + x0, Vector256.Load(e0p + x0), Vector256.Load(e1p + x0),
                                ref a0, ref a1, ref a2, ref a3, ref a4, ref b0, ref b1, ref b2, ref b3, ref b4);
                        if (x0 < ow) // the last vector overlaps the one before: only its new lanes count
                            RowStep(fw, r + lastX, Vector256.Load(e0p + lastX) & tailMask, Vector256.Load(e1p + lastX) & tailMask,
                                ref a0, ref a1, ref a2, ref a3, ref a4, ref b0, ref b1, ref b2, ref b3, ref b4);
                    }
                    T* pp = partial + ((long)f0 * taps + ((long)ci * fh + i) * fw) * l;
                    if (firstIsNew) AddRow(pp, l, fw, a0, a1, a2, a3, a4);
                    AddRow(pp + taps * l, l, fw, b0, b1, b2, b3, b4);
                }
            done = f0 + 2;
        }
    }

    /// <summary>
    /// dW for 3-wide filters (DeepConvNet's), for a group of images (x and dout of each): 4 filters × the 3 taps of a
    /// filter row in 12 registers, so that 3 input loads and 4 loads of dout feed 12 FMAs and 12 independent sums hide
    /// the FMA latency; the sums run over every image of the group before they are added to the partial sums, which
    /// for 64 × 64 filters are larger than the L2 cache and would otherwise be read and written once per 8×8 image.
    /// A filter block that overlaps the one before (FN not a multiple of 4) stores only its new filters.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GradientGroupThreeWide(T** xs, T** ds, int count, T* partial, ConvGeometry g, int hp, int wp, int fn)
    {
        int oh = g.OH, ow = g.OW, fh = g.FH, c = g.C, l = L;
        long plane = (long)oh * ow, taps = (long)c * fh * 3;
        int lastX = ow - l;
        var tailMask = TaskSums<T>.TailMask(ow);
        for (int f0 = 0, done = 0; done < fn; f0 += FilterBlock)
        {
            if (f0 > fn - FilterBlock) f0 = fn - FilterBlock;
            int firstNew = done - f0; // filters f0 + firstNew … f0 + 3 are new in this block
            for (int ci = 0; ci < c; ci++)
                for (int i = 0; i < fh; i++)
                {
                    Vector256<T> a0 = default, a1 = default, a2 = default, b0 = default, b1 = default, b2 = default;
                    Vector256<T> c0 = default, c1 = default, c2 = default, e0 = default, e1 = default, e2 = default;
                    for (int q = 0; q < count; q++)
                    {
                    T* r = xs[q] + ((long)ci * hp + i) * wp;
                    T* dr = ds[q] + f0 * plane;
                    for (int y = 0; y < oh; y++, r += wp, dr += ow)
                    {
                        int x0 = 0;
                        for (; x0 <= lastX; x0 += l)
                            TaskSums<T>.TripleStep(r + x0, r + x0 + 1, r + x0 + 2, dr + x0, plane, false, default, ref a0, ref a1, ref a2, ref b0, ref b1, ref b2, ref c0, ref c1, ref c2, ref e0, ref e1, ref e2);
                        if (x0 < ow) // the last vector overlaps the one before: only its new lanes count
                            TaskSums<T>.TripleStep(r + lastX, r + lastX + 1, r + lastX + 2, dr + lastX, plane, true, tailMask, ref a0, ref a1, ref a2, ref b0, ref b1, ref b2, ref c0, ref c1, ref c2, ref e0, ref e1, ref e2);
                    }
                    }
                    T* pp = partial + ((long)f0 * taps + ((long)ci * fh + i) * 3) * l;
                    long step = taps * l;
                    if (firstNew <= 0) AddRow(pp, l, 3, a0, a1, a2, default, default);
                    if (firstNew <= 1) AddRow(pp + step, l, 3, b0, b1, b2, default, default);
                    if (firstNew <= 2) AddRow(pp + 2 * step, l, 3, c0, c1, c2, default, default);
                    AddRow(pp + 3 * step, l, 3, e0, e1, e2, default, default);
                }
            done = f0 + FilterBlock;
        }
    }

    /// <summary>One vector of output columns for <see cref="GradientImage"/>: taps j and j+1 (v, u) of 4 filters' dout (masked by keep).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PairStep(T* r, T* dr, long plane, Vector256<T> keep,
        ref Vector256<T> p0, ref Vector256<T> p1, ref Vector256<T> p2, ref Vector256<T> p3,
        ref Vector256<T> q0, ref Vector256<T> q1, ref Vector256<T> q2, ref Vector256<T> q3)
    {
        var v = Vector256.Load(r); var u = Vector256.Load(r + 1);
        var e = Vector256.Load(dr) & keep;
        p0 = Simd.Fma(e, v, p0); q0 = Simd.Fma(e, u, q0);
        e = Vector256.Load(dr + plane) & keep;
        p1 = Simd.Fma(e, v, p1); q1 = Simd.Fma(e, u, q1);
        e = Vector256.Load(dr + 2 * plane) & keep;
        p2 = Simd.Fma(e, v, p2); q2 = Simd.Fma(e, u, q2);
        e = Vector256.Load(dr + 3 * plane) & keep;
        p3 = Simd.Fma(e, v, p3); q3 = Simd.Fma(e, u, q3);
    }

    /// <summary>One vector of output columns for <see cref="GradientImageWholeRow{TW}"/>: a[j] += e0·x[j], b[j] += e1·x[j] for the fw (3 or 5) taps.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowStep(int fw, T* rx, Vector256<T> e0, Vector256<T> e1,
        ref Vector256<T> a0, ref Vector256<T> a1, ref Vector256<T> a2, ref Vector256<T> a3, ref Vector256<T> a4,
        ref Vector256<T> b0, ref Vector256<T> b1, ref Vector256<T> b2, ref Vector256<T> b3, ref Vector256<T> b4)
    {
        var v = Vector256.Load(rx); a0 = Simd.Fma(e0, v, a0); b0 = Simd.Fma(e1, v, b0);
        v = Vector256.Load(rx + 1); a1 = Simd.Fma(e0, v, a1); b1 = Simd.Fma(e1, v, b1);
        v = Vector256.Load(rx + 2); a2 = Simd.Fma(e0, v, a2); b2 = Simd.Fma(e1, v, b2);
        if (fw == 5)
        {
            v = Vector256.Load(rx + 3); a3 = Simd.Fma(e0, v, a3); b3 = Simd.Fma(e1, v, b3);
            v = Vector256.Load(rx + 4); a4 = Simd.Fma(e0, v, a4); b4 = Simd.Fma(e1, v, b4);
        }
    }

    /// <summary>partial[tap] += acc for the fw (3 or 5) taps of one filter row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRow(T* pp, int l, int fw, Vector256<T> t0, Vector256<T> t1, Vector256<T> t2, Vector256<T> t3, Vector256<T> t4)
    {
        (Vector256.Load(pp) + t0).Store(pp); (Vector256.Load(pp + l) + t1).Store(pp + l);
        (Vector256.Load(pp + 2 * l) + t2).Store(pp + 2 * l);
        if (fw == 5) { (Vector256.Load(pp + 3 * l) + t3).Store(pp + 3 * l); (Vector256.Load(pp + 4 * l) + t4).Store(pp + 4 * l); }
    }


    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddPair(T* p, Vector256<T> first, Vector256<T> second, int l, bool secondOnly)
    {
        if (!secondOnly) (Vector256.Load(p) + first).Store(p);
        (Vector256.Load(p + l) + second).Store(p + l);
    }
}
