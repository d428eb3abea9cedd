using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nabla.Kernels;

/// <summary>
/// 3×3, stride-1 convolution by Winograd's minimal filtering F(4×4, 3×3) (Lavin and Gray, 2016): each 4×4 block of
/// output comes from a 6×6 tile of the (padded) input with 36 multiplications per filter and channel instead of 144
/// (F(2×2, 3×3), <see cref="Winograd{T}"/>: 64 for the same 16 outputs). NCHW in and out, any padding 0–2, any channel
/// and filter counts, odd sizes, float and double. One instance belongs to one layer (or to the ∂L/∂x of one) and
/// reuses its buffers.
/// </summary>
/// <remarks>
/// <para>The transforms, with the interpolation points 0, ±1, ±2 and ∞: U = G g Gᵀ for each filter and channel (once
/// per call), V = Bᵀ d B for each 6×6 input tile and channel, for each of the 36 positions ξ the product over channels
/// M[ξ](f, tile) = Σ_c U[ξ](f, c) · V[ξ](c, tile), and the output Y = Aᵀ M A, where
/// Bᵀ = [4 0 −5 0 1 0; 0 −4 −4 1 1 0; 0 4 −4 −1 1 0; 0 −2 −1 2 1 0; 0 2 −1 −2 1 0; 0 4 0 −5 0 1],
/// G = [¼ 0 0; −⅙ −⅙ −⅙; −⅙ ⅙ −⅙; 1⁄24 1⁄12 ⅙; 1⁄24 −1⁄12 ⅙; 0 0 1] and
/// Aᵀ = [1 1 1 1 1 0; 0 1 −1 2 −2 0; 0 1 1 4 4 0; 0 1 −1 8 −8 1]. The coefficients up to 5 in Bᵀ and 8 in Aᵀ (and the
/// sixths of G, not exact in binary) make the rounding larger than F(2×2, 3×3)'s: see the tests' tolerance.</para>
/// <para>Layout: a vector holds one transform entry of the same tile in L consecutive images (a "group"), so that every
/// map size fills the vectors (8×8 maps have only 2×2 tiles) and a tile's 36 entries are 36 plain vector loads. Per
/// block of units (a unit: one tile row of one group), the padded input rows a block needs are built once, transposed
/// image-minor (column x of padded row y holds the L images' values side by side) by L×L in-register transposes; the
/// tiles' transforms read them. The product is <see cref="Winograd{T}.Multiply"/> over 36 positions. The output
/// transform assembles a unit's 4 output rows for one filter image-minor and transposes them back into the L images'
/// rows. A last partial group computes its missing images from a copy of its last image and never stores them; tiles
/// past the map's edge read zero padding and are never stored. Blocks are sized as <see cref="Winograd{T}"/>'s (one
/// position's V in L1, the block's M in L2) and shared among the cores on <see cref="WorkerPool"/>.</para>
/// </remarks>
internal sealed unsafe class Winograd4<T> : WinogradKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int Positions = 36;
    private static int L => Vector256<T>.Count;

    /// <summary>The filter gradient's blocks hold at most this many vectors of tiles (see <see cref="PlanFilterGradient"/>).</summary>
    private const int FilterGradientBlockVectors = 16;

    /// <summary>
    /// The filter gradient's blocks hold at most this many bytes of V and Y' per position (see <see cref="PlanFilterGradient"/>).
    /// 128 KB; settable for the benchmarks that try other sizes in one process (<c>conv 1 --dw-plan</c>, <c>winograd --dw</c>).
    /// </summary>
    internal static int DefaultFilterGradientPositionBytes { get; set; } = 128 * 1024;

    /// <summary>This instance's <see cref="DefaultFilterGradientPositionBytes"/> (the kernel probe compares two in one process).</summary>
    internal int? FilterGradientPositionBytes { get; set; }

    private int _wp;       // the padded rows' width, in columns
    private bool _rectify; // the forward's output rectified as it is stored (see Forward)

    /// <inheritdoc/>
    protected override string Name => "Winograd F(4×4, 3×3)";

    /// <inheritdoc/>
    protected override int PositionCount => Positions;

    /// <inheritdoc/>
    protected override delegate*<T*, T*, int, int, int, int, int, void> FilterTransform => &TransformFilters;

    /// <summary>Whether this kernel handles the geometry: the same as <see cref="Winograd{T}.Supports"/>.</summary>
    public static bool Supports(ConvGeometry g, int filterCount) => Winograd<T>.Supports(g, filterCount);

    /// <summary>
    /// out (N, FN, OH, OW) = x (N, C, H, W) ⋆ w (FN, C, 3, 3) + b; with <paramref name="rectify"/>, max(0, ·) of it (a
    /// ReLU after the convolution) applied to each block of output rows before it is stored, by the same library call as
    /// the ReLU layer's (<see cref="ReluKernel{T}.Forward"/>), so the same bits as the separate pass.
    /// </summary>
    public void Forward(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> b, Span<T> output, ConvGeometry g, int filterCount, bool rectify = false)
    {
        _rectify = rectify;
        try { RunForward(x, w, b, output, g, filterCount); }
        finally { _rectify = false; }
    }

    /// <summary>
    /// The tiling both products share: the filter blocks, the 4×4 output tiles and the padded row's width, and the units
    /// (one tile row of one group of L images).
    /// </summary>
    private void PlanTiles(ConvGeometry g, int fn)
    {
        _g = g; _fn = fn; _fb = (fn + FilterBlock - 1) / FilterBlock;
        _tw = (g.OW + 3) / 4; _th = (g.OH + 3) / 4; _wp = 4 * _tw + 2;
        _units = (g.N + L - 1) / L * _th;
    }

    /// <summary>Sizes the blocks and the per-task buffers for this geometry, growing the buffers if needed.</summary>
    protected override void Plan(ConvGeometry g, int fn)
    {
        int l = L, tsize = Unsafe.SizeOf<T>();
        PlanTiles(g, fn);
        // A block's tiles: one position's V (C × tiles) in about 12 KB of L1, the block's M (36 × FN × tiles) in about
        // 256 KB of L2; at least the product's 3 vectors of tiles.
        int fp = _fb * FilterBlock;
        int targetVectors = Math.Clamp(Math.Min(12_288 / (g.C * tsize), 258_048 / (Positions * fp * tsize)), 3 * l, 256) / l;
        _blockUnits = Math.Min(_units, Math.Max((3 + _tw - 1) / _tw, targetVectors / _tw));
        _blocks = (_units + _blockUnits - 1) / _blockUnits;
        // A task per block, claimed as cores come free, with one set of buffers per thread (WorkerPool.CurrentWorker).
        _tasks = Winograd<T>.Threads(g, fn) == 1 ? 1 : _blocks;
        _ntp = _blockUnits * _tw * l;
        // The 36 positions are 36 store streams: a cache line more than C·ntp apart, so that they fall in different L1 sets.
        _vPosition = (long)g.C * _ntp + 64 / tsize;
        _vSize = Positions * _vPosition;
        _mPosition = (long)fp * _ntp + 64 / tsize;
        _mSize = Positions * _mPosition;
        _rowsSize = (long)g.C * (4 * Math.Min(_blockUnits, _th) + 2) * _wp * l;
        long stageSize = 16L * _tw * l;
        _taskSize = Winograd<T>.RoundUp((int)(_vSize + _mSize + _rowsSize + stageSize), 64 / tsize);
        long total = _taskSize * (_tasks == 1 ? 1 : WorkerPool.Concurrency);
        EnsurePinned(ref _buffers, total);
        long uSize = Positions * Winograd<T>.UPosition(_fb, g.C);
        EnsurePinned(ref _transformed, uSize);
    }

    /// <summary>
    /// U[ξ][filter block][c][4] = (G g Gᵀ)[ξ] of each filter g = w[f, c] (3×3), ξ = 6·row + column, for the filter
    /// blocks [b0, b1); the filters past the last one of a block are zero. Multiplies by ⅙ rounded (no divisions: this
    /// runs for every filter and channel on every call).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void TransformFilters(T* w, T* u, int fn, int c, int fb, int b0, int b1)
    {
        long position = Winograd<T>.UPosition(fb, c);
        T two = T.One + T.One, quarter = T.One / (two + two), half = T.One / two, sixth = T.One / (two + two + two);
        for (int f = b0 * FilterBlock; f < b1 * FilterBlock; f++)
            for (int ci = 0; ci < c; ci++)
            {
                T* dst = u + ((long)(f / FilterBlock) * c + ci) * FilterBlock + f % FilterBlock;
                if (f >= fn)
                {
                    for (int p = 0; p < Positions; p++) dst[p * position] = T.Zero;
                    continue;
                }
                T* g = w + ((long)f * c + ci) * 9;
                // G g: 6 rows of 3, one column of g at a time …
                FilterColumn(g[0], g[3], g[6], quarter, half, sixth, out var m00, out var m10, out var m20, out var m30, out var m40, out var m50);
                FilterColumn(g[1], g[4], g[7], quarter, half, sixth, out var m01, out var m11, out var m21, out var m31, out var m41, out var m51);
                FilterColumn(g[2], g[5], g[8], quarter, half, sixth, out var m02, out var m12, out var m22, out var m32, out var m42, out var m52);
                // … then (G g) Gᵀ: each of its rows through G.
                FilterRow(m00, m01, m02, quarter, half, sixth, dst, position);
                FilterRow(m10, m11, m12, quarter, half, sixth, dst + 6 * position, position);
                FilterRow(m20, m21, m22, quarter, half, sixth, dst + 12 * position, position);
                FilterRow(m30, m31, m32, quarter, half, sixth, dst + 18 * position, position);
                FilterRow(m40, m41, m42, quarter, half, sixth, dst + 24 * position, position);
                FilterRow(m50, m51, m52, quarter, half, sixth, dst + 30 * position, position);
            }
    }

    /// <summary>G (a, b, c)ᵀ = (a/4, −(a + b + c)/6, −(a − b + c)/6, (a/4 + b/2 + c)/6, (a/4 − b/2 + c)/6, c).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FilterColumn(T a, T b, T c, T quarter, T half, T sixth, out T r0, out T r1, out T r2, out T r3, out T r4, out T r5)
    {
        T q = a * quarter, h = b * half, ac = a + c, qc = q + c;
        r0 = q; r1 = -(ac + b) * sixth; r2 = -(ac - b) * sixth; r3 = (qc + h) * sixth; r4 = (qc - h) * sixth; r5 = c;
    }

    /// <summary><see cref="FilterColumn"/> of one row, into dst[0], dst[stride], … dst[5·stride].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FilterRow(T a, T b, T c, T quarter, T half, T sixth, T* dst, long stride)
    {
        FilterColumn(a, b, c, quarter, half, sixth, out var r0, out var r1, out var r2, out var r3, out var r4, out var r5);
        dst[0] = r0; dst[stride] = r1; dst[2 * stride] = r2; dst[3 * stride] = r3; dst[4 * stride] = r4; dst[5 * stride] = r5;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void ForwardTask(int task)
    {
        int b0 = (int)((long)task * _blocks / _tasks), b1 = (int)((long)(task + 1) * _blocks / _tasks);
        T* v = _scratch + WorkerPool.CurrentWorker * _taskSize, m = v + _vSize, rows = m + _mSize, stage = rows + _rowsSize;
        for (int blk = b0; blk < b1; blk++)
        {
            int u0 = blk * _blockUnits, u1 = Math.Min(_units, u0 + _blockUnits);
            TransformInput(u0, u1, v, rows);
            Winograd<T>.Multiply(_u, v, m, _g.C, _fb, (u1 - u0) * _tw * L, _ntp, _vPosition, _mPosition, Positions, Wide);
            TransformOutput(u0, u1, m, stage);
        }
    }

    /// <summary>
    /// V for the units [u0, u1): per group among them, its padded rows built image-minor (each row _wp columns of L
    /// values), then each tile's 6×6 transform; entry ξ of tile t (in vectors from the block's first) of channel c at
    /// v[ξ·position + c·ntp + t·L].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void TransformInput(int u0, int u1, T* v, T* rows)
    {
        var g = _g;
        int l = L, th = _th, tw = _tw;
        long rs = (long)_wp * l, plane = (long)g.H * g.W;
        nint* src = stackalloc nint[l];
        var tmp = stackalloc Vector256<T>[Positions];
        for (int u = u0; u < u1;)
        {
            int n0 = u / th * l, ty0 = u % th, ty1 = Math.Min(th, ty0 + (u1 - u)), valid = Math.Min(l, g.N - n0);
            int rowCount = 4 * (ty1 - ty0) + 2;
            for (int c = 0; c < g.C; c++)
            {
                for (int k = 0; k < l; k++) src[k] = (nint)(_x + ((long)(n0 + Math.Min(k, valid - 1)) * g.C + c) * plane);
                for (int r = 0; r < rowCount; r++) BuildRow(src, 4 * ty0 + r - g.Pad, rows + ((long)c * rowCount + r) * rs, g.H, g.W, g.Pad, _wp);
            }
            for (int ty = ty0; ty < ty1; ty++)
            {
                T* vt = v + (long)(u - u0 + ty - ty0) * tw * l;
                for (int c = 0; c < g.C; c++)
                {
                    T* r = rows + ((long)c * rowCount + 4 * (ty - ty0)) * rs, vc = vt + (long)c * _ntp;
                    for (int tx = 0; tx < tw; tx++) TransformTile(r + 4 * tx * l, rs, vc + tx * l, _vPosition, tmp);
                }
            }
            u += ty1 - ty0;
        }
    }

    /// <summary>
    /// Padded row y (zero outside the h × w map) of the L images at src, image-minor: dst[(pad + x)·L + k] = image k's
    /// x at column x, zeros in the padding columns up to wp.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BuildRow(nint* src, int y, T* dst, int h, int w, int pad, int wp)
    {
        int l = L;
        if (y < 0 || y >= h)
        {
            for (int q = 0; q < wp * l; q += l) Vector256<T>.Zero.Store(dst + q);
            return;
        }
        for (int q = 0; q < pad; q++) Vector256<T>.Zero.Store(dst + q * l);
        for (int q = pad + w; q < wp; q++) Vector256<T>.Zero.Store(dst + q * l);
        long offset = (long)y * w;
        if (w >= l)
        {
            // L columns at a time; the last block overlaps the one before rather than reading past the row.
            for (int x = 0; x < w; x += l)
            {
                int x0 = Math.Min(x, w - l);
                TransposeIn(src, offset + x0, dst + (pad + x0) * l);
            }
        }
        else
            for (int k = 0; k < l; k++)
            {
                T* s = (T*)src[k] + offset;
                for (int x = 0; x < w; x++) dst[(pad + x) * l + k] = s[x];
            }
    }

    /// <summary>
    /// V = Bᵀ d B of one 6×6 tile (rows rs apart, columns L apart, each entry a vector of L images): B across each row
    /// into tmp, then Bᵀ down each column into v (entry 6·row + column at v + ξ·position).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransformTile(T* d, long rs, T* v, long position, Vector256<T>* tmp)
    {
        // Written out, not looped: in loops the index arithmetic took about as many instructions as the transform.
        RowInput(d, tmp); RowInput(d + rs, tmp + 6); RowInput(d + 2 * rs, tmp + 12);
        RowInput(d + 3 * rs, tmp + 18); RowInput(d + 4 * rs, tmp + 24); RowInput(d + 5 * rs, tmp + 30);
        Columns<InputColumn>(tmp, v, position);
    }

    /// <summary>One column of a tile's transform: from tmp's column (t[0], t[6], …) to its 6 entries of the 36-position layout.</summary>
    private interface IColumn
    {
        /// <summary>Column t of tmp into entries v, v + p6, v + p12 and v3, v3 + p6, v3 + p12.</summary>
        static abstract void Run(Vector256<T>* t, T* v, T* v3, long p6, long p12);
    }

    /// <summary>
    /// The six columns of a tile (tmp + 0 … tmp + 5) through <typeparamref name="TColumn"/> into v's 36 positions
    /// (position apart; column i's entries start at v + i·position), written out with constant offsets.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Columns<TColumn>(Vector256<T>* tmp, T* v, long position) where TColumn : struct, IColumn
    {
        long p6 = 6 * position, p12 = 12 * position;
        T* v3 = v + 18 * position;
        TColumn.Run(tmp, v, v3, p6, p12);
        TColumn.Run(tmp + 1, v + position, v3 + position, p6, p12);
        TColumn.Run(tmp + 2, v + 2 * position, v3 + 2 * position, p6, p12);
        TColumn.Run(tmp + 3, v + 3 * position, v3 + 3 * position, p6, p12);
        TColumn.Run(tmp + 4, v + 4 * position, v3 + 4 * position, p6, p12);
        TColumn.Run(tmp + 5, v + 5 * position, v3 + 5 * position, p6, p12);
    }

    /// <summary>B across one row of a tile (6 vectors L apart at p) into t[0 … 5].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowInput(T* p, Vector256<T>* t)
    {
        int l = L;
        InputSix(Vector256.Load(p), Vector256.Load(p + l), Vector256.Load(p + 2 * l), Vector256.Load(p + 3 * l),
            Vector256.Load(p + 4 * l), Vector256.Load(p + 5 * l), out t[0], out t[1], out t[2], out t[3], out t[4], out t[5]);
    }

    /// <summary>Bᵀ down one column (t[0], t[6], … t[30]).</summary>
    private struct InputColumn : IColumn
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Run(Vector256<T>* t, T* v, T* v3, long p6, long p12)
        {
            InputSix(t[0], t[6], t[12], t[18], t[24], t[30], out var t0, out var t1, out var t2, out var t3, out var t4, out var t5);
            t0.Store(v); t1.Store(v + p6); t2.Store(v + p12); t3.Store(v3); t4.Store(v3 + p6); t5.Store(v3 + p12);
        }
    }

    /// <summary>Bᵀ (d0 … d5): 4d0 − 5d2 + d4, (d3 + d4) − 4(d1 + d2), (d4 − d3) + 4(d1 − d2), (d4 − d2) ± 2(d3 − d1), 4d1 − 5d3 + d5.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputSix(Vector256<T> d0, Vector256<T> d1, Vector256<T> d2, Vector256<T> d3, Vector256<T> d4, Vector256<T> d5,
        out Vector256<T> t0, out Vector256<T> t1, out Vector256<T> t2, out Vector256<T> t3, out Vector256<T> t4, out Vector256<T> t5)
    {
        var four = Vector256.Create(T.CreateTruncating(4));
        var five = Vector256.Create(T.CreateTruncating(5));
        var two = Vector256.Create(T.CreateTruncating(2));
        t0 = Simd.Fma(four, d0, d4) - five * d2;
        t1 = (d3 + d4) - four * (d1 + d2);
        t2 = Simd.Fma(four, d1 - d2, d4 - d3);
        var a = d4 - d2; var b = d3 - d1;
        t3 = Simd.Fma(two, b, a);
        t4 = a - two * b;
        t5 = Simd.Fma(four, d1, d5) - five * d3;
    }

    /// <summary>
    /// Y = Aᵀ M A plus the bias for every filter and the units [u0, u1): per filter and unit, its 4 output rows
    /// image-minor in stage (row length 4·tw columns of L), then transposed into the L images' rows of the output.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void TransformOutput(int u0, int u1, T* m, T* stage)
    {
        var g = _g;
        int l = L, tw = _tw, th = _th, fn = _fn, ow = g.OW, oh = g.OH;
        long plane = (long)oh * ow, rowLength = 4L * tw * l;
        nint* dst = stackalloc nint[l];
        var tmp = stackalloc Vector256<T>[24];
        for (int f = 0; f < fn; f++)
        {
            var bias = Vector256.Create(_b[f]);
            T* mf = m + (long)f * _ntp;
            for (int u = u0; u < u1; u++)
            {
                int n0 = u / th * l, ty = u % th, valid = Math.Min(l, g.N - n0);
                T* mt = mf + (long)(u - u0) * tw * l;
                for (int tx = 0; tx < tw; tx++) OutputTile(mt + tx * l, _mPosition, stage + 4 * tx * l, rowLength, bias, tmp);
                int rowsOut = Math.Min(4, oh - 4 * ty);
                if (_rectify) ReluKernel<T>.Forward(new ReadOnlySpan<T>(stage, (int)(rowsOut * rowLength)), new Span<T>(stage, (int)(rowsOut * rowLength)));
                for (int i = 0; i < rowsOut; i++)
                {
                    for (int k = 0; k < valid; k++) dst[k] = (nint)(_out + ((long)(n0 + k) * fn + f) * plane + (long)(4 * ty + i) * ow);
                    T* row = stage + i * rowLength;
                    if (ow >= l)
                        for (int x = 0; x < ow; x += l)
                        {
                            int x0 = Math.Min(x, ow - l);
                            TransposeOut(row + x0 * l, dst, x0, valid);
                        }
                    else
                        for (int k = 0; k < valid; k++)
                        {
                            T* o = (T*)dst[k];
                            for (int x = 0; x < ow; x++) o[x] = row[x * l + k];
                        }
                }
            }
        }
    }

    /// <summary>
    /// Y = Aᵀ M A + bias of one tile (entry ξ of M at p + ξ·position): Aᵀ down each column into tmp, then A across each
    /// of the 4 rows into stage (rows rowLength apart, columns L apart).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OutputTile(T* p, long position, T* stage, long rowLength, Vector256<T> bias, Vector256<T>* tmp)
    {
        // Written out, not looped (see TransformTile).
        long p6 = 6 * position, p12 = 12 * position;
        T* p3 = p + 18 * position;
        ColumnOutput(p, p3, p6, p12, tmp);
        ColumnOutput(p + position, p3 + position, p6, p12, tmp + 1);
        ColumnOutput(p + 2 * position, p3 + 2 * position, p6, p12, tmp + 2);
        ColumnOutput(p + 3 * position, p3 + 3 * position, p6, p12, tmp + 3);
        ColumnOutput(p + 4 * position, p3 + 4 * position, p6, p12, tmp + 4);
        ColumnOutput(p + 5 * position, p3 + 5 * position, p6, p12, tmp + 5);
        RowOutput(tmp, stage, bias); RowOutput(tmp + 6, stage + rowLength, bias);
        RowOutput(tmp + 12, stage + 2 * rowLength, bias); RowOutput(tmp + 18, stage + 3 * rowLength, bias);
    }

    /// <summary>Aᵀ down one column of M (entries p, p + p6, p + p12, p3, p3 + p6, p3 + p12) into t[0], t[6], t[12], t[18].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ColumnOutput(T* p, T* p3, long p6, long p12, Vector256<T>* t)
    {
        OutputSix(Vector256.Load(p), Vector256.Load(p + p6), Vector256.Load(p + p12),
            Vector256.Load(p3), Vector256.Load(p3 + p6), Vector256.Load(p3 + p12), out t[0], out t[6], out t[12], out t[18]);
    }

    /// <summary>A across one row (t[0 … 5]) plus the bias into the 4 vectors L apart at o.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowOutput(Vector256<T>* t, T* o, Vector256<T> bias)
    {
        int l = L;
        OutputSix(t[0], t[1], t[2], t[3], t[4], t[5], out var y0, out var y1, out var y2, out var y3);
        (y0 + bias).Store(o); (y1 + bias).Store(o + l); (y2 + bias).Store(o + 2 * l); (y3 + bias).Store(o + 3 * l);
    }

    /// <summary>Aᵀ (m0 … m5): m0 + (m1 + m2) + (m3 + m4), (m1 − m2) + 2(m3 − m4), (m1 + m2) + 4(m3 + m4), (m1 − m2) + 8(m3 − m4) + m5.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OutputSix(Vector256<T> m0, Vector256<T> m1, Vector256<T> m2, Vector256<T> m3, Vector256<T> m4, Vector256<T> m5,
        out Vector256<T> y0, out Vector256<T> y1, out Vector256<T> y2, out Vector256<T> y3)
    {
        var a = m1 + m2; var b = m1 - m2; var c = m3 + m4; var d = m3 - m4;
        y0 = m0 + a + c;
        y1 = Simd.Fma(Vector256.Create(T.CreateTruncating(2)), d, b);
        y2 = Simd.Fma(Vector256.Create(T.CreateTruncating(4)), c, a);
        y3 = Simd.Fma(Vector256.Create(T.CreateTruncating(8)), d, b) + m5;
    }

    /// <summary>Gᵀ (m0 … m5): m0/4 − (m1 + m2)/6 + (m3 + m4)/24, (m2 − m1)/6 + (m3 − m4)/12, (m3 + m4 − m1 − m2)/6 + m5.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GradientSix(T m0, T m1, T m2, T m3, T m4, T m5, T quarter, T sixth, T twelfth, out T r0, out T r1, out T r2)
    {
        T a = m1 + m2, b = m3 + m4;
        r0 = m0 * quarter - a * sixth + b * (twelfth / (T.One + T.One));
        r1 = (m2 - m1) * sixth + (m3 - m4) * twelfth;
        r2 = (b - a) * sixth + m5;
    }

    /// <summary><see cref="GradientSix(T, T, T, T, T, T, T, T, T, out T, out T, out T)"/> on L channels at once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GradientSix(Vector256<T> m0, Vector256<T> m1, Vector256<T> m2, Vector256<T> m3, Vector256<T> m4, Vector256<T> m5,
        Vector256<T> quarter, Vector256<T> sixth, Vector256<T> twelfth, out Vector256<T> r0, out Vector256<T> r1, out Vector256<T> r2)
    {
        Vector256<T> a = m1 + m2, b = m3 + m4;
        r0 = m0 * quarter - a * sixth + b * (twelfth * Vector256.Create(T.One / (T.One + T.One)));
        r1 = (m2 - m1) * sixth + (m3 - m4) * twelfth;
        r2 = (b - a) * sixth + m5;
    }

    /// <summary><see cref="Plan"/> for <see cref="WinogradKernel{T}.FilterGradient"/>: blocks of units, one task per core.</summary>
    protected override void PlanFilterGradient(ConvGeometry g, int fn)
    {
        int l = L, tsize = Unsafe.SizeOf<T>();
        PlanTiles(g, fn);
        int fp = _fb * FilterBlock;
        // A block's tiles: at most 16 vectors of them (FilterGradientBlockVectors), so that the block's V and Y' for all 36 positions
        // (36 × (C + FN) × tiles), written by the transforms and read back by the product, stay near the core rather
        // than passing through L3 in between (blocks sized only to keep one position's V and Y' in L2 were 64–128
        // vectors long on DeepConvNet's layers and slower: docs/benchmarks.md); wider layers keep that per-position
        // limit (FilterGradientPositionBytes), which is then the smaller. A tighter limit (32 KB: conv5 and conv6 in blocks
        // of 10 and 8 vectors) sped up their dW but not DeepConvNet's step beyond the noise, and its other order of sums
        // took the default seed's 2-epoch accuracy under issue 19's threshold: not kept (docs/benchmarks.md, 2026-12-02,
        // fourth session).
        int targetVectors = Math.Min(FilterGradientBlockVectors, Math.Clamp((FilterGradientPositionBytes ?? DefaultFilterGradientPositionBytes) / ((g.C + fp) * tsize), 4 * l, 1024) / l);
        _tasks = Math.Max(1, Math.Min(_units, Winograd<T>.Threads(g, fn)));
        _blockUnits = Math.Min(Math.Max(1, targetVectors / _tw), (_units + _tasks - 1) / _tasks);
        _ntp = _blockUnits * _tw * l;
        _vPosition = (long)g.C * _ntp + 64 / tsize;
        _vSize = Positions * _vPosition;
        _yPosition = (long)fp * _ntp + 64 / tsize;
        _ySize = Positions * _yPosition;
        _rowsSize = Math.Max((long)g.C * (4 * Math.Min(_blockUnits, _th) + 2) * _wp * l, 16L * _tw * l);
        _taskSize = Winograd<T>.RoundUp((int)(_vSize + _ySize + _rowsSize), 64 / tsize);
        _mdwSize = Winograd<T>.RoundUp(Positions * fp * g.C + Winograd<T>.FilterGradientSlack, 64 / tsize);
        long total = _taskSize * _tasks;
        EnsurePinned(ref _buffers, total);
        EnsurePinned(ref _partialM, _mdwSize * _tasks);
    }

    /// <summary>
    /// dW (FN, C, 3, 3) and db (FN) of the convolution out = x ⋆ w + b with stride 1, given x (N, C, H, W) and ∂L/∂out
    /// (N, FN, OH, OW): the same points transposed, F(3×3, 4×4). dW[f, c] is the correlation of the padded x with
    /// dout[f]; split dout into the forward's 4×4 output tiles, each matched with its 6×6 padded input tile.
    /// </summary>
    /// <remarks>
    /// The forward's identity y = Aᵀ[(G g) ⊙ (Bᵀ d)] read the other way (Σ_k δ_k y_k = Σ_ξ (A δ)_ξ (G g)_ξ (Bᵀ d)_ξ)
    /// gives dW = Gᵀ M G with M[ξ](f, c) = Σ over images and tiles of Y'[ξ](f, tile) · V[ξ](c, tile), V = Bᵀ d B the
    /// forward's input transform and Y' = A δ Aᵀ of each dout tile δ (A = (Aᵀ)ᵀ, 6×4:
    /// rows (1 0 0 0), (1 1 1 1), (1 −1 1 −1), (1 2 4 8), (1 −2 4 −8), (0 0 0 1)). The input transform, its layout
    /// (L images per vector) and blocks are the forward's; dout's rows are built image-minor the same way (the lanes of
    /// a last partial group zero, so that they add nothing). The product is <see cref="Winograd{T}.MultiplyFilterGradient"/>
    /// over 36 positions (sums over tiles and lanes), one task per core with its own M, added at the end.
    /// <para>This method is one task of it (<see cref="WinogradKernel{T}.FilterGradient"/> runs them): its share of the tiles, block by block, into its own M (at _u).</para>
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void FilterProductTask(int task)
    {
        int ut0 = (int)((long)task * _units / _tasks), ut1 = (int)((long)(task + 1) * _units / _tasks);
        T* v = _scratch + task * _taskSize, y = v + _vSize, rows = y + _ySize, m = _u + task * _mdwSize;
        new Span<T>(m, (int)_mdwSize).Clear();
        for (int u0 = ut0; u0 < ut1; u0 += _blockUnits)
        {
            int u1 = Math.Min(ut1, u0 + _blockUnits);
            TransformInput(u0, u1, v, rows);
            TransformDout(u0, u1, y, rows);
            Winograd<T>.MultiplyFilterGradient(y, v, m, _g.C, _fb, (u1 - u0) * _tw * L, _ntp, _vPosition, _yPosition, Positions, Wide);
        }
    }

    /// <summary>dW = Gᵀ M G of L channels at once (lane j: channel j; the same operations as one channel alone).</summary>
    protected override void OutputChannels(Vector256<T>* m, T* stage)
    {
        int l = L;
        Gradients(out T quarter, out T sixth, out T twelfth);
        var vQuarter = Vector256.Create(quarter); var vSixth = Vector256.Create(sixth); var vTwelfth = Vector256.Create(twelfth);
        Vector256<T>* s = stackalloc Vector256<T>[18];
        // Gᵀ down each column q of M …
        for (int q = 0; q < 6; q++)
            GradientSix(m[q], m[6 + q], m[12 + q], m[18 + q], m[24 + q], m[30 + q], vQuarter, vSixth, vTwelfth,
                out s[q], out s[6 + q], out s[12 + q]);
        // … and G across each of the 3 rows.
        for (int i = 0; i < 3; i++)
        {
            GradientSix(s[6 * i], s[6 * i + 1], s[6 * i + 2], s[6 * i + 3], s[6 * i + 4], s[6 * i + 5], vQuarter, vSixth, vTwelfth,
                out var a0, out var a1, out var a2);
            a0.Store(stage + (3 * i) * l); a1.Store(stage + (3 * i + 1) * l); a2.Store(stage + (3 * i + 2) * l);
        }
    }

    /// <summary>dW = Gᵀ M G of one channel.</summary>
    protected override void OutputChannel(T* m, T* d)
    {
        Gradients(out T quarter, out T sixth, out T twelfth);
        T* s = stackalloc T[18];
        for (int q = 0; q < 6; q++)
            GradientSix(m[q], m[6 + q], m[12 + q], m[18 + q], m[24 + q], m[30 + q], quarter, sixth, twelfth,
                out s[q], out s[6 + q], out s[12 + q]);
        for (int i = 0; i < 3; i++)
            GradientSix(s[6 * i], s[6 * i + 1], s[6 * i + 2], s[6 * i + 3], s[6 * i + 4], s[6 * i + 5], quarter, sixth, twelfth,
                out d[3 * i], out d[3 * i + 1], out d[3 * i + 2]);
    }

    /// <summary>Gᵀ's coefficients ¼, ⅙ and 1⁄12, rounded as every dW of this kernel rounds them.</summary>
    private static void Gradients(out T quarter, out T sixth, out T twelfth)
    {
        T two = T.One + T.One, four = two + two;
        sixth = T.One / (four + two); twelfth = sixth / two; quarter = T.One / four;
    }

    /// <summary>
    /// Y' = A δ Aᵀ for the units [u0, u1) and every filter (zero for the filters past the last of a block): per filter
    /// and unit its 4 dout rows image-minor in rows (zero past the map and in the lanes past the last image), then each
    /// tile's transform; entry ξ of tile t (in vectors) of filter f at y[ξ·position + f·ntp + t·L].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void TransformDout(int u0, int u1, T* y, T* rows)
    {
        var g = _g;
        int l = L, th = _th, tw = _tw, fn = _fn, fp = _fb * FilterBlock, oh = g.OH, ow = g.OW, wd = 4 * tw;
        long position = _yPosition, rs = (long)wd * l, plane = (long)oh * ow;
        nint* src = stackalloc nint[l];
        var tmp = stackalloc Vector256<T>[24];
        for (int f = 0; f < fp; f++)
            for (int u = u0; u < u1; u++)
            {
                T* yt = y + (long)f * _ntp + (long)(u - u0) * tw * l;
                if (f >= fn)
                {
                    for (int t = 0; t < tw; t++)
                        for (int p = 0; p < Positions; p++) Vector256<T>.Zero.Store(yt + p * position + t * l);
                    continue;
                }
                int n0 = u / th * l, ty = u % th, valid = Math.Min(l, g.N - n0);
                for (int k = 0; k < l; k++) src[k] = (nint)(_dout + ((long)(n0 + Math.Min(k, valid - 1)) * fn + f) * plane);
                for (int i = 0; i < 4; i++)
                {
                    T* row = rows + i * rs;
                    BuildRow(src, 4 * ty + i, row, oh, ow, 0, wd);
                    for (int q = 0; q < wd && valid < l; q++)
                        for (int k = valid; k < l; k++) row[q * l + k] = T.Zero;
                }
                for (int t = 0; t < tw; t++) DoutTile(rows + 4 * t * l, rs, yt + t * l, position, tmp);
            }
    }

    /// <summary>Y' = A δ Aᵀ of one 4×4 dout tile (rows rs apart, columns L apart): A across each row into tmp, then down each column.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DoutTile(T* d, long rs, T* y, long position, Vector256<T>* tmp)
    {
        // Written out, not looped (see TransformTile).
        RowDout(d, tmp); RowDout(d + rs, tmp + 6); RowDout(d + 2 * rs, tmp + 12); RowDout(d + 3 * rs, tmp + 18);
        Columns<DoutColumn>(tmp, y, position);
    }

    /// <summary>A across one row of a dout tile (4 vectors L apart at p) into t[0 … 5].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowDout(T* p, Vector256<T>* t)
    {
        int l = L;
        DoutSix(Vector256.Load(p), Vector256.Load(p + l), Vector256.Load(p + 2 * l), Vector256.Load(p + 3 * l),
            out t[0], out t[1], out t[2], out t[3], out t[4], out t[5]);
    }

    /// <summary>A down one column of a dout tile's rows (t[0], t[6], t[12], t[18]).</summary>
    private struct DoutColumn : IColumn
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Run(Vector256<T>* t, T* y, T* y3, long p6, long p12)
        {
            DoutSix(t[0], t[6], t[12], t[18], out var t0, out var t1, out var t2, out var t3, out var t4, out var t5);
            t0.Store(y); t1.Store(y + p6); t2.Store(y + p12); t3.Store(y3); t4.Store(y3 + p6); t5.Store(y3 + p12);
        }
    }

    /// <summary>A (δ0 … δ3): δ0, (δ0 + δ2) ± (δ1 + δ3), (δ0 + 4δ2) ± 2(δ1 + 4δ3), δ3.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DoutSix(Vector256<T> d0, Vector256<T> d1, Vector256<T> d2, Vector256<T> d3,
        out Vector256<T> t0, out Vector256<T> t1, out Vector256<T> t2, out Vector256<T> t3, out Vector256<T> t4, out Vector256<T> t5)
    {
        var four = Vector256.Create(T.CreateTruncating(4));
        var two = Vector256.Create(T.CreateTruncating(2));
        var a = d0 + d2; var b = d1 + d3;
        var e = Simd.Fma(four, d2, d0); var h = Simd.Fma(four, d3, d1);
        t0 = d0; t1 = a + b; t2 = a - b;
        t3 = Simd.Fma(two, h, e); t4 = e - two * h; t5 = d3;
    }

    /// <summary>Vector k of L from src[k] + offset, transposed: vector i (image values of column i) to dst + i·L.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransposeIn(nint* src, long offset, T* dst)
    {
        if (typeof(T) == typeof(float))
        {
            float* d = (float*)dst;
            var r0 = Vector256.Load((float*)src[0] + offset); var r1 = Vector256.Load((float*)src[1] + offset);
            var r2 = Vector256.Load((float*)src[2] + offset); var r3 = Vector256.Load((float*)src[3] + offset);
            var r4 = Vector256.Load((float*)src[4] + offset); var r5 = Vector256.Load((float*)src[5] + offset);
            var r6 = Vector256.Load((float*)src[6] + offset); var r7 = Vector256.Load((float*)src[7] + offset);
            Transpose(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
            r0.Store(d); r1.Store(d + 8); r2.Store(d + 16); r3.Store(d + 24);
            r4.Store(d + 32); r5.Store(d + 40); r6.Store(d + 48); r7.Store(d + 56);
        }
        else
        {
            double* d = (double*)dst;
            var r0 = Vector256.Load((double*)src[0] + offset); var r1 = Vector256.Load((double*)src[1] + offset);
            var r2 = Vector256.Load((double*)src[2] + offset); var r3 = Vector256.Load((double*)src[3] + offset);
            Transpose(ref r0, ref r1, ref r2, ref r3);
            r0.Store(d); r1.Store(d + 4); r2.Store(d + 8); r3.Store(d + 12);
        }
    }

    /// <summary>L vectors at src, L apart (L columns, each of L images), transposed: image i's L values to dst[i] + offset, for i &lt; count.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransposeOut(T* src, nint* dst, int offset, int count)
    {
        if (typeof(T) == typeof(float))
        {
            float* s = (float*)src;
            var r0 = Vector256.Load(s); var r1 = Vector256.Load(s + 8); var r2 = Vector256.Load(s + 16); var r3 = Vector256.Load(s + 24);
            var r4 = Vector256.Load(s + 32); var r5 = Vector256.Load(s + 40); var r6 = Vector256.Load(s + 48); var r7 = Vector256.Load(s + 56);
            Transpose(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
            if (count == 8)
            {
                r0.Store((float*)dst[0] + offset); r1.Store((float*)dst[1] + offset); r2.Store((float*)dst[2] + offset); r3.Store((float*)dst[3] + offset);
                r4.Store((float*)dst[4] + offset); r5.Store((float*)dst[5] + offset); r6.Store((float*)dst[6] + offset); r7.Store((float*)dst[7] + offset);
                return;
            }
            // A last, partial group of images.
            if (count > 0) r0.Store((float*)dst[0] + offset);
            if (count > 1) r1.Store((float*)dst[1] + offset);
            if (count > 2) r2.Store((float*)dst[2] + offset);
            if (count > 3) r3.Store((float*)dst[3] + offset);
            if (count > 4) r4.Store((float*)dst[4] + offset);
            if (count > 5) r5.Store((float*)dst[5] + offset);
            if (count > 6) r6.Store((float*)dst[6] + offset);
        }
        else
        {
            double* s = (double*)src;
            var r0 = Vector256.Load(s); var r1 = Vector256.Load(s + 4); var r2 = Vector256.Load(s + 8); var r3 = Vector256.Load(s + 12);
            Transpose(ref r0, ref r1, ref r2, ref r3);
            if (count > 0) r0.Store((double*)dst[0] + offset);
            if (count > 1) r1.Store((double*)dst[1] + offset);
            if (count > 2) r2.Store((double*)dst[2] + offset);
            if (count > 3) r3.Store((double*)dst[3] + offset);
        }
    }

    /// <summary>8×8 floats in 8 vectors (rows) → their columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose(ref Vector256<float> r0, ref Vector256<float> r1, ref Vector256<float> r2, ref Vector256<float> r3,
        ref Vector256<float> r4, ref Vector256<float> r5, ref Vector256<float> r6, ref Vector256<float> r7)
    {
        // Pairs of rows interleaved (a0 b0 a1 b1 | a4 b4 a5 b5), then pairs of pairs (a0 b0 c0 d0 | a4 b4 c4 d4), then halves.
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
        var s0 = Avx.Shuffle(t0, t2, 0x44); var s1 = Avx.Shuffle(t0, t2, 0xEE);
        var s2 = Avx.Shuffle(t1, t3, 0x44); var s3 = Avx.Shuffle(t1, t3, 0xEE);
        var s4 = Avx.Shuffle(t4, t6, 0x44); var s5 = Avx.Shuffle(t4, t6, 0xEE);
        var s6 = Avx.Shuffle(t5, t7, 0x44); var s7 = Avx.Shuffle(t5, t7, 0xEE);
        r0 = Avx.Permute2x128(s0, s4, 0x20); r1 = Avx.Permute2x128(s1, s5, 0x20);
        r2 = Avx.Permute2x128(s2, s6, 0x20); r3 = Avx.Permute2x128(s3, s7, 0x20);
        r4 = Avx.Permute2x128(s0, s4, 0x31); r5 = Avx.Permute2x128(s1, s5, 0x31);
        r6 = Avx.Permute2x128(s2, s6, 0x31); r7 = Avx.Permute2x128(s3, s7, 0x31);
    }

    /// <summary>4×4 doubles in 4 vectors (rows) → their columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose(ref Vector256<double> r0, ref Vector256<double> r1, ref Vector256<double> r2, ref Vector256<double> r3)
    {
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);    // a0 b0 | a2 b2,  a1 b1 | a3 b3
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        r0 = Avx.Permute2x128(t0, t2, 0x20); r1 = Avx.Permute2x128(t1, t3, 0x20);
        r2 = Avx.Permute2x128(t0, t2, 0x31); r3 = Avx.Permute2x128(t1, t3, 0x31);
    }
}
