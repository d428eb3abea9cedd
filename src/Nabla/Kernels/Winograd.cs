using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nabla.Kernels;

/// <summary>
/// 3×3, stride-1 convolution by Winograd's minimal filtering F(2×2, 3×3) (Lavin and Gray, 2016): each 2×2 block of
/// output comes from a 4×4 tile of the (padded) input with 16 multiplications per filter and channel instead of 36.
/// NCHW in and out, any padding 0–2, any channel and filter counts, odd sizes; also the filter gradient (<see cref="WinogradKernel{T}.FilterGradient"/>). One instance belongs to one layer (or
/// to the ∂L/∂x of one) and reuses its buffers.
/// </summary>
/// <remarks>
/// <para>The transforms: U = G g Gᵀ for each filter and channel (once per call), V = Bᵀ d B for each input tile and
/// channel, then for each of the 16 transform positions ξ the product over channels M[ξ](f, tile) = Σ_c U[ξ](f, c) ·
/// V[ξ](c, tile), and the output Y = Aᵀ M A. With
/// Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1], G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1], Aᵀ = [1 1 1 0; 0 1 −1 −1]
/// every coefficient is 0, ±1, ±½ or ±¼, exact in binary; the rounding differs from the direct sum only through the
/// transforms' additions (a few units in the last place of the largest terms, see the tests' tolerance).</para>
/// <para>Tiles are numbered by (image, tile row, tile column); a tile row of one image is a "unit". The filters are
/// transformed first (shared among the cores by blocks of 4 filters when there are many). The rest goes in blocks of
/// whole units, shared among the cores, sized so that one position's V (C × tiles) stays in L1 and the block's M
/// (16 × FN × tiles) in L2. In a block: the padded input rows are built once per image, each row split into its even
/// and odd columns, so that the tiles of a row (which start every second column) read contiguous vectors: one vector
/// holds one transform entry of L consecutive tiles (of two tile rows, when a tile row is half a vector). The product
/// then goes position by position, and for each keeps 4 filters × 3 vectors of tiles in 12 registers and adds every
/// channel (3 loads of V and 4 broadcasts of U feed 12 FMAs). Last the output transform, filter by filter, its two
/// output columns interleaved back into rows. Filter counts that are not a multiple of 4 get zero filters in U (their
/// M is never read); tile counts that are not a multiple of the vector compute a few lanes that are never stored.</para>
/// </remarks>
internal sealed unsafe class Winograd<T> : WinogradKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int Positions = 16;
    private static int L => Vector256<T>.Count;

    private int _s;           // the split rows' width: each padded row's even and odd columns
    private long _outRowSize; // a task's staged output rows

    /// <inheritdoc/>
    protected override string Name => "Winograd";

    /// <inheritdoc/>
    protected override int PositionCount => Positions;

    /// <inheritdoc/>
    protected override delegate*<T*, T*, int, int, int, int, int, void> FilterTransform => &TransformFilters;

    /// <summary>
    /// A filter transform (this class's <see cref="TransformFilters"/>, or <see cref="Winograd4{T}"/>'s) shared among
    /// the cores by filter blocks.
    /// </summary>
    internal sealed class FilterJob : IParallelJob
    {
        private delegate*<T*, T*, int, int, int, int, int, void> _transform;
        private T* _w, _u;
        private int _fn, _c, _fb, _tasks;

        /// <summary>Sets the transform (w, u, fn, c, fb, first block, end block) and its arguments.</summary>
        public void Set(delegate*<T*, T*, int, int, int, int, int, void> transform, T* w, T* u, int fn, int c, int fb, int tasks)
        {
            _transform = transform; _w = w; _u = u; _fn = fn; _c = c; _fb = fb; _tasks = tasks;
        }

        /// <inheritdoc/>
        public void Execute(int task)
        {
            int b0 = (int)((long)task * _fb / _tasks), b1 = (int)((long)(task + 1) * _fb / _tasks);
            _transform(_w, _u, _fn, _c, _fb, b0, b1);
        }

        /// <summary>Runs the transform over every filter block, on all the cores where there are many.</summary>
        public void Run(delegate*<T*, T*, int, int, int, int, int, void> transform, T* w, T* u, int fn, int c, int fb)
        {
            // The filters on all cores too where there are many (64 × 64: a tenth of the layer on one core).
            int tasks = (long)fb * c >= 512 ? Math.Min(fb, WorkerPool.Concurrency) : 1;
            Set(transform, w, u, fn, c, fb, tasks);
            try
            {
                WorkerPool.Run(this, tasks);
            }
            finally { Set(null, null, null, 0, 0, 0, 1); }
        }
    }

    /// <summary>
    /// Whether this kernel handles the geometry: 3×3 filters, stride 1, padding 0–2, float or double, on a processor
    /// with AVX2 and FMA (the interleaving shuffles are AVX instructions).
    /// </summary>
    public static bool Supports(ConvGeometry g, int filterCount) =>
        Avx2.IsSupported && Fma.IsSupported && (typeof(T) == typeof(float) || typeof(T) == typeof(double)) &&
        g.FH == 3 && g.FW == 3 && g.Stride == 1 && g.Pad is >= 0 and <= 2 && g.OH >= 1 && g.OW >= 1 && filterCount >= 1 && g.C >= 1;

    /// <summary>
    /// The fewest input channels for which <see cref="Convolution2D{T}"/> prefers this kernel to the direct kernels (where
    /// those take the shape too): with fewer, the transforms of every tile and channel outweigh the products they save.
    /// Measured with <c>Nabla.Bench winograd --wall</c> (docs/benchmarks.md, issue 19).
    /// </summary>
    internal const int MinChannelsOverDirect = 32;

    /// <summary>
    /// The fewest input channels for which <see cref="Convolution2D{T}"/> computes dW with <see cref="WinogradKernel{T}.FilterGradient"/>
    /// rather than the direct kernels (where those take the shape). Measured with <c>bench/ab.sh … conv 10 --deep</c>
    /// (docs/benchmarks.md, issue 19).
    /// </summary>
    internal const int MinChannelsForFilterGradient = 32;

    /// <summary>out (N, FN, OH, OW) = x (N, C, H, W) ⋆ w (FN, C, 3, 3) + b.</summary>
    public void Forward(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> b, Span<T> output, ConvGeometry g, int filterCount) =>
        RunForward(x, w, b, output, g, filterCount);

    /// <summary>Sizes the blocks and the per-task buffers for this geometry, growing the buffers if needed.</summary>
    protected override void Plan(ConvGeometry g, int fn)
    {
        int l = L, tsize = Unsafe.SizeOf<T>();
        int twv = PlanTiles(g, fn);
        // A block's tiles: one position's V (C × tiles) in about 12 KB, so it stays in L1 while every filter block
        // multiplies it, and the block's M (16 × FN × tiles) in about 256 KB of L2.
        int fp = _fb * FilterBlock;
        int targetTiles = Math.Clamp(Math.Min(12_288 / (g.C * tsize), 16_384 / (fp * tsize)), 3 * l, 256);
        _blockUnits = Math.Max(1, targetTiles / _tw);
        _blocks = (_units + _blockUnits - 1) / _blockUnits;
        int threads = Threads(g, fn);
        _tasks = Math.Max(1, Math.Min(_blocks, threads == 1 ? 1 : 4 * threads));
        // Tile capacity: the product's 3 vectors, and the input transform's last stores that overlap the next unit's tiles.
        _ntp = Math.Max(RoundUp(_blockUnits * _tw, 3 * l), RoundUp(_blockUnits * _tw + l, l));
        // The 16 positions of V are 16 store streams: one cache line more than C·ntp apart, so that they fall in different
        // L1 sets (a multiple of 4 KB put all 16 in one set: 64 × 64 filters on 8×8 maps).
        _vPosition = (long)g.C * _ntp + 64 / tsize;
        _vSize = Positions * _vPosition;
        _mPosition = (long)fp * _ntp + 64 / tsize;
        _mSize = Positions * _mPosition;
        _rowsSize = (long)g.C * (2 * _blockUnits + 2) * 2 * _s;
        _outRowSize = 2 * (2L * twv + 2 * l);
        _taskSize = RoundUp((int)(_vSize + _mSize + _rowsSize + _outRowSize), 64 / tsize);
        long total = _taskSize * _tasks;
        EnsurePinned(ref _buffers, total);
        long uSize = Positions * UPosition(_fb, g.C);
        EnsurePinned(ref _transformed, uSize);
    }

    /// <summary>
    /// The tiling both products share: the filter blocks, the 2×2 output tiles (tile rows of one image are the "units"),
    /// and the split row's length S (even columns, then odd, S each); returns the tiles of a row rounded up to the vector.
    /// </summary>
    private int PlanTiles(ConvGeometry g, int fn)
    {
        _g = g; _fn = fn; _fb = (fn + FilterBlock - 1) / FilterBlock;
        _tw = (g.OW + 1) / 2; _th = (g.OH + 1) / 2;
        int twv = RoundUp(_tw, L);
        _s = twv + L;
        _units = g.N * _th;
        return twv;
    }

    /// <summary>All the cores from about 200,000 multiply-adds of the direct sum, else the calling thread alone.</summary>
    internal static int Threads(ConvGeometry g, int fn) =>
        (long)g.N * fn * g.OH * g.OW * g.C * 9 >= 200_000 ? WorkerPool.Concurrency : 1;

    /// <summary>
    /// The distance between two positions of U: fb blocks of 4 filters by c channels, and a cache line more, so that
    /// the filter transform's stores to every position (a multiple of 4 KB apart without it: 64 × 64 filters) fall in
    /// different L1 sets.
    /// </summary>
    internal static long UPosition(int fb, int c) => (long)fb * c * FilterBlock + 64 / Unsafe.SizeOf<T>();

    internal static int RoundUp(int v, int m) => (v + m - 1) / m * m;

    /// <summary>
    /// U[ξ][filter block][c][4] = (G g Gᵀ)[ξ] of each filter g = w[f, c] (3×3), for the filter blocks [b0, b1); the
    /// filters past the last one of a block are zero. The 4 filters of a block sit side by side, the order the product
    /// broadcasts them in.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void TransformFilters(T* w, T* u, int fn, int c, int fb, int b0, int b1)
    {
        T half = T.One / (T.One + T.One);
        long position = UPosition(fb, c);
        T* m = stackalloc T[12];
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
                // G g: 4 rows of 3.
                for (int j = 0; j < 3; j++)
                {
                    T g0 = g[j], g1 = g[3 + j], g2 = g[6 + j];
                    m[j] = g0; m[3 + j] = (g0 + g1 + g2) * half; m[6 + j] = (g0 - g1 + g2) * half; m[9 + j] = g2;
                }
                // (G g) Gᵀ: each row (a, b, c) → (a, (a + b + c)/2, (a − b + c)/2, c).
                for (int i = 0; i < 4; i++)
                {
                    T a = m[3 * i], b = m[3 * i + 1], cc = m[3 * i + 2];
                    dst[(4 * i) * position] = a;
                    dst[(4 * i + 1) * position] = (a + b + cc) * half;
                    dst[(4 * i + 2) * position] = (a - b + cc) * half;
                    dst[(4 * i + 3) * position] = cc;
                }
            }
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void ForwardTask(int task)
    {
        int b0 = (int)((long)task * _blocks / _tasks), b1 = (int)((long)(task + 1) * _blocks / _tasks);
        T* v = _scratch + task * _taskSize, m = v + _vSize, rows = m + _mSize, outRows = rows + _rowsSize;
        for (int blk = b0; blk < b1; blk++)
        {
            int u0 = blk * _blockUnits, u1 = Math.Min(_units, u0 + _blockUnits);
            TransformInput(u0, u1, v, rows);
            int tiles = (u1 - u0) * _tw;
            Multiply(_u, v, m, _g.C, _fb, RoundUp(tiles, 3 * L), _ntp, _vPosition, _mPosition, Positions, Wide);
            TransformOutput(u0, u1, m, outRows);
        }
    }

    /// <summary>V for the units [u0, u1): per image among them, its padded rows split into even and odd columns, then the tiles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void TransformInput(int u0, int u1, T* v, T* rows)
    {
        var g = _g;
        int s = _s, th = _th;
        for (int u = u0; u < u1;)
        {
            int n = u / th, ty0 = u % th, ty1 = Math.Min(th, ty0 + (u1 - u));   // this image's tile rows [ty0, ty1)
            int rowCount = 2 * (ty1 - ty0) + 2;
            for (int c = 0; c < g.C; c++)
            {
                T* src = _x + ((long)n * g.C + c) * g.H * g.W;
                for (int r = 0; r < rowCount; r++)
                {
                    T* dst = rows + ((long)c * rowCount + r) * 2 * s;
                    // Zeroed with vector stores: a library clear (rep stos) just before SplitRow's vector stores to the same
                    // lines made the row building several times slower.
                    for (int q = 0; q < 2 * s; q += L) Vector256<T>.Zero.Store(dst + q);
                    int y = 2 * ty0 + r - g.Pad;
                    if (y >= 0 && y < g.H) SplitRow(src + (long)y * g.W, dst, dst + s, g.W, g.Pad);
                }
            }
            for (int ty = ty0; ty < ty1; ty++)
            {
                // Tile rows half a vector long (8×8 float maps): two of them, one after the other in V, per vector.
                bool pair = 2 * _tw == L && ty + 1 < ty1;
                for (int c = 0; c < g.C; c++)
                {
                    T* r = rows + ((long)c * rowCount + 2 * (ty - ty0)) * 2 * s, vt = v + (long)c * _ntp + (long)(u - u0 + ty - ty0) * _tw;
                    if (pair) TransformRowPair(r, s, vt, _vPosition);
                    else TransformRow(r, s, vt, _vPosition, _tw);
                }
                if (pair) ty++;
            }
            u += ty1 - ty0;
        }
    }

    /// <summary>
    /// A padded row (pad zeros, the w values of src, zeros) split into its even columns e and odd columns o: column px of
    /// the padded row holds src[px − pad]. e and o are already zero.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SplitRow(T* src, T* e, T* o, int w, int pad)
    {
        // src's even entries go to e + pad/2 (pad even) or o (pad 1); its odd ones to o + pad/2 or e + 1.
        T* evens = pad == 1 ? o : e + pad / 2;
        T* odds = pad == 1 ? e + 1 : o + pad / 2;
        int l = L, k = 0;
        for (; 2 * k + 2 * l <= w; k += l)
        {
            var a = Vector256.Load(src + 2 * k);
            var b = Vector256.Load(src + 2 * k + l);
            Deinterleave(a, b, out var even, out var odd);
            even.Store(evens + k);
            odd.Store(odds + k);
        }
        if (2 * k + l <= w)
        {
            // One more vector of input (L/2 even and L/2 odd entries; the other lanes zeros that the loop below overwrites).
            Deinterleave(Vector256.Load(src + 2 * k), Vector256<T>.Zero, out var even, out var odd);
            even.Store(evens + k);
            odd.Store(odds + k);
            k += l / 2;
        }
        for (int x = 2 * k; x < w; x += 2)
        {
            evens[x / 2] = src[x];
            if (x + 1 < w) odds[x / 2] = src[x + 1];
        }
    }

    /// <summary>(a, b) = values 0 … 2L − 1 → their even entries and their odd entries, in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Deinterleave(Vector256<T> a, Vector256<T> b, out Vector256<T> even, out Vector256<T> odd)
    {
        if (typeof(T) == typeof(float))
        {
            // Within each 128-bit half: (a0 a2 b0 b2), then the 64-bit pairs reordered across the halves.
            var e = Avx.Shuffle(a.AsSingle(), b.AsSingle(), 0b10_00_10_00);
            var o = Avx.Shuffle(a.AsSingle(), b.AsSingle(), 0b11_01_11_01);
            even = Avx2.Permute4x64(e.AsDouble(), 0b11_01_10_00).As<double, T>();
            odd = Avx2.Permute4x64(o.AsDouble(), 0b11_01_10_00).As<double, T>();
        }
        else
        {
            var e = Avx.UnpackLow(a.AsDouble(), b.AsDouble());    // a0 b0 a2 b2
            var o = Avx.UnpackHigh(a.AsDouble(), b.AsDouble());   // a1 b1 a3 b3
            even = Avx2.Permute4x64(e, 0b11_01_10_00).As<double, T>();
            odd = Avx2.Permute4x64(o, 0b11_01_10_00).As<double, T>();
        }
    }

    /// <summary>(e, o) → e0 o0 e1 o1 …: the first L values in lo, the next L in hi.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Interleave(Vector256<T> e, Vector256<T> o, out Vector256<T> lo, out Vector256<T> hi)
    {
        if (typeof(T) == typeof(float))
        {
            var p = Avx.UnpackLow(e.AsSingle(), o.AsSingle());    // e0 o0 e1 o1 | e4 o4 e5 o5
            var q = Avx.UnpackHigh(e.AsSingle(), o.AsSingle());   // e2 o2 e3 o3 | e6 o6 e7 o7
            lo = Avx.Permute2x128(p, q, 0x20).As<float, T>();
            hi = Avx.Permute2x128(p, q, 0x31).As<float, T>();
        }
        else
        {
            var p = Avx.UnpackLow(e.AsDouble(), o.AsDouble());    // e0 o0 | e2 o2
            var q = Avx.UnpackHigh(e.AsDouble(), o.AsDouble());   // e1 o1 | e3 o3
            lo = Avx.Permute2x128(p, q, 0x20).As<double, T>();
            hi = Avx.Permute2x128(p, q, 0x31).As<double, T>();
        }
    }

    /// <summary>
    /// The tw tiles of one tile row and one channel: rows (4 split rows of 2·s, even columns then odd) → V, entry ξ of
    /// tile t at v[ξ·position + t]. The tile at column 2t covers columns e[t], o[t], e[t+1], o[t+1].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransformRow(T* rows, int s, T* v, long position, int tw)
    {
        long stride = 2L * s;
        T* r0 = rows, r1 = rows + stride, r2 = rows + 2 * stride, r3 = rows + 3 * stride;
        for (int k = 0; k < tw; k += L)
        {
            // Bᵀ d down the columns: t0 = d0 − d2, t1 = d1 + d2, t2 = d2 − d1, t3 = d1 − d3, for each of the 4 columns.
            Column(r0 + k, r1 + k, r2 + k, r3 + k, out var e00, out var e01, out var e02, out var e03);              // e[k]
            Column(r0 + s + k, r1 + s + k, r2 + s + k, r3 + s + k, out var o00, out var o01, out var o02, out var o03); // o[k]
            Column(r0 + k + 1, r1 + k + 1, r2 + k + 1, r3 + k + 1, out var e10, out var e11, out var e12, out var e13);  // e[k+1]
            Column(r0 + s + k + 1, r1 + s + k + 1, r2 + s + k + 1, r3 + s + k + 1, out var o10, out var o11, out var o12, out var o13);
            // … B across: (c0 − c2, c1 + c2, c2 − c1, c1 − c3) with columns (e[k], o[k], e[k+1], o[k+1]).
            Across(v + k, position, 0, e00, o00, e10, o10);
            Across(v + k, position, 4, e01, o01, e11, o11);
            Across(v + k, position, 8, e02, o02, e12, o12);
            Across(v + k, position, 12, e03, o03, e13, o13);
        }
    }

    /// <summary>
    /// <see cref="TransformRow"/> for two tile rows of L/2 tiles each (the second one's split rows 2 rows below the
    /// first's): each vector holds the first's tiles in its lower half, the second's in its upper half.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransformRowPair(T* rows, int s, T* v, long position)
    {
        long stride = 2L * s, next = 2 * stride;
        T* r0 = rows, r1 = rows + stride, r2 = rows + 2 * stride, r3 = rows + 3 * stride;
        ColumnPair(r0, r1, r2, r3, next, out var e00, out var e01, out var e02, out var e03);
        ColumnPair(r0 + s, r1 + s, r2 + s, r3 + s, next, out var o00, out var o01, out var o02, out var o03);
        ColumnPair(r0 + 1, r1 + 1, r2 + 1, r3 + 1, next, out var e10, out var e11, out var e12, out var e13);
        ColumnPair(r0 + s + 1, r1 + s + 1, r2 + s + 1, r3 + s + 1, next, out var o10, out var o11, out var o12, out var o13);
        Across(v, position, 0, e00, o00, e10, o10);
        Across(v, position, 4, e01, o01, e11, o11);
        Across(v, position, 8, e02, o02, e12, o12);
        Across(v, position, 12, e03, o03, e13, o13);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ColumnPair(T* p0, T* p1, T* p2, T* p3, long next, out Vector256<T> t0, out Vector256<T> t1, out Vector256<T> t2, out Vector256<T> t3)
    {
        var d0 = Vector256.Create(Vector128.Load(p0), Vector128.Load(p0 + next));
        var d1 = Vector256.Create(Vector128.Load(p1), Vector128.Load(p1 + next));
        var d2 = Vector256.Create(Vector128.Load(p2), Vector128.Load(p2 + next));
        var d3 = Vector256.Create(Vector128.Load(p3), Vector128.Load(p3 + next));
        t0 = d0 - d2; t1 = d1 + d2; t2 = d2 - d1; t3 = d1 - d3;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Column(T* p0, T* p1, T* p2, T* p3, out Vector256<T> t0, out Vector256<T> t1, out Vector256<T> t2, out Vector256<T> t3)
    {
        var d0 = Vector256.Load(p0); var d1 = Vector256.Load(p1); var d2 = Vector256.Load(p2); var d3 = Vector256.Load(p3);
        t0 = d0 - d2; t1 = d1 + d2; t2 = d2 - d1; t3 = d1 - d3;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Across(T* v, long position, int xi, Vector256<T> c0, Vector256<T> c1, Vector256<T> c2, Vector256<T> c3)
    {
        (c0 - c2).Store(v + xi * position);
        (c1 + c2).Store(v + (xi + 1) * position);
        (c2 - c1).Store(v + (xi + 2) * position);
        (c1 - c3).Store(v + (xi + 3) * position);
    }

    /// <summary>
    /// M[ξ][f][t] = Σ_c U[ξ][f][c] · V[ξ][c][t] for every position ξ &lt; <paramref name="positions"/>, every filter (fb
    /// blocks of 4) and the tiles [0, tiles) rounded up to the vector: 3 vectors at a time, then 2 (see below). Position
    /// by position, so that one position's V stays in L1 while every filter block reads it. Shared with
    /// <see cref="Winograd4{T}"/> (36 positions). With <paramref name="wide"/> (512-bit vectors: the hardware has them
    /// and <see cref="KernelOptions.Allow512"/> lets them) the vectors go in pairs, as 512-bit vectors in the same steps
    /// (<see cref="Multiply512"/>), and an odd last one as before: every lane is the same chain of FMAs over the channels
    /// either way, so the bits are the same.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Multiply(T* u, T* v, T* m, int c, int fb, int tiles, int ntp, long vPosition, long mPosition, int positions, bool wide = false)
    {
        int l = L, vectors = RoundUp(tiles, l) / l;
        int pairs = wide ? vectors / 2 : 0;
        if (pairs > 0) Multiply512(u, v, m, c, fb, pairs, ntp, vPosition, mPosition, positions);
        // Steps of 3 vectors of tiles (12 sums in registers), then of 2 (8 sums), and a vector alone only when it is the
        // only one: a 1-vector step's 4 sums wait on the FMA's latency, so 4 vectors (DeepConvNet's 8×8 layers) go as
        // 2 + 2 rather than 3 + 1 (conv5 and conv6 0.90–0.93 of the time). Each sum is the same chain over the
        // channels whichever step computes it: the same bits.
        int first = 2 * pairs, rest = vectors - first;   // the vectors left to the 256-bit steps
        if (rest == 0) return;
        int threes = rest % 3 == 1 && rest > 1 ? rest / 3 - 1 : rest / 3;
        long uPosition = UPosition(fb, c);
        for (int xi = 0; xi < positions; xi++)
        for (int f0 = 0; f0 < fb; f0++)
        {
            T* ux = u + xi * uPosition + (long)f0 * c * FilterBlock, vx = v + xi * vPosition, mx = m + xi * mPosition + (long)f0 * FilterBlock * ntp;
            int t = first * l;
            for (int s = 0; s < threes; s++, t += 3 * l)
            {
                Vector256<T> a0 = default, a1 = default, a2 = default, b0 = default, b1 = default, b2 = default;
                Vector256<T> c0 = default, c1 = default, c2 = default, d0 = default, d1 = default, d2 = default;
                T* vp = vx + t, up = ux;
                for (int ci = 0; ci < c; ci++, vp += ntp, up += FilterBlock)
                {
                    var v0 = Vector256.Load(vp); var v1 = Vector256.Load(vp + l); var v2 = Vector256.Load(vp + 2 * l);
                    var k = Vector256.Create(up[0]);
                    a0 = Simd.Fma(k, v0, a0); a1 = Simd.Fma(k, v1, a1); a2 = Simd.Fma(k, v2, a2);
                    k = Vector256.Create(up[1]);
                    b0 = Simd.Fma(k, v0, b0); b1 = Simd.Fma(k, v1, b1); b2 = Simd.Fma(k, v2, b2);
                    k = Vector256.Create(up[2]);
                    c0 = Simd.Fma(k, v0, c0); c1 = Simd.Fma(k, v1, c1); c2 = Simd.Fma(k, v2, c2);
                    k = Vector256.Create(up[3]);
                    d0 = Simd.Fma(k, v0, d0); d1 = Simd.Fma(k, v1, d1); d2 = Simd.Fma(k, v2, d2);
                }
                T* mp = mx + t;
                a0.Store(mp); a1.Store(mp + l); a2.Store(mp + 2 * l); mp += ntp;
                b0.Store(mp); b1.Store(mp + l); b2.Store(mp + 2 * l); mp += ntp;
                c0.Store(mp); c1.Store(mp + l); c2.Store(mp + 2 * l); mp += ntp;
                d0.Store(mp); d1.Store(mp + l); d2.Store(mp + 2 * l);
            }
            for (; t + 2 * l <= vectors * l; t += 2 * l)
            {
                Vector256<T> a0 = default, a1 = default, b0 = default, b1 = default;
                Vector256<T> c0 = default, c1 = default, d0 = default, d1 = default;
                T* vp = vx + t, up = ux;
                for (int ci = 0; ci < c; ci++, vp += ntp, up += FilterBlock)
                {
                    var v0 = Vector256.Load(vp); var v1 = Vector256.Load(vp + l);
                    var k = Vector256.Create(up[0]);
                    a0 = Simd.Fma(k, v0, a0); a1 = Simd.Fma(k, v1, a1);
                    k = Vector256.Create(up[1]);
                    b0 = Simd.Fma(k, v0, b0); b1 = Simd.Fma(k, v1, b1);
                    k = Vector256.Create(up[2]);
                    c0 = Simd.Fma(k, v0, c0); c1 = Simd.Fma(k, v1, c1);
                    k = Vector256.Create(up[3]);
                    d0 = Simd.Fma(k, v0, d0); d1 = Simd.Fma(k, v1, d1);
                }
                T* mp = mx + t;
                a0.Store(mp); a1.Store(mp + l); mp += ntp;
                b0.Store(mp); b1.Store(mp + l); mp += ntp;
                c0.Store(mp); c1.Store(mp + l); mp += ntp;
                d0.Store(mp); d1.Store(mp + l);
            }
            for (; t < vectors * l; t += l)
            {
                Vector256<T> a0 = default, b0 = default, c0 = default, d0 = default;
                T* vp = vx + t, up = ux;
                for (int ci = 0; ci < c; ci++, vp += ntp, up += FilterBlock)
                {
                    var v0 = Vector256.Load(vp);
                    a0 = Simd.Fma(Vector256.Create(up[0]), v0, a0); b0 = Simd.Fma(Vector256.Create(up[1]), v0, b0);
                    c0 = Simd.Fma(Vector256.Create(up[2]), v0, c0); d0 = Simd.Fma(Vector256.Create(up[3]), v0, d0);
                }
                T* mp = mx + t;
                a0.Store(mp); b0.Store(mp + ntp); c0.Store(mp + 2 * ntp); d0.Store(mp + 3 * ntp);
            }
        }
    }

    /// <summary>
    /// <see cref="Multiply"/>'s product for the first 2·<paramref name="pairs"/> vectors of tiles, two 256-bit vectors as
    /// one 512-bit vector: steps of 3 (12 sums in registers, of 32), then of 2, and one alone only when it is the only one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Multiply512(T* u, T* v, T* m, int c, int fb, int pairs, int ntp, long vPosition, long mPosition, int positions)
    {
        int w = Vector512<T>.Count;
        int threes = pairs % 3 == 1 && pairs > 1 ? pairs / 3 - 1 : pairs / 3;
        long uPosition = UPosition(fb, c);
        for (int xi = 0; xi < positions; xi++)
        for (int f0 = 0; f0 < fb; f0++)
        {
            T* ux = u + xi * uPosition + (long)f0 * c * FilterBlock, vx = v + xi * vPosition, mx = m + xi * mPosition + (long)f0 * FilterBlock * ntp;
            int t = 0;
            for (int s = 0; s < threes; s++, t += 3 * w)
            {
                Vector512<T> a0 = default, a1 = default, a2 = default, b0 = default, b1 = default, b2 = default;
                Vector512<T> c0 = default, c1 = default, c2 = default, d0 = default, d1 = default, d2 = default;
                T* vp = vx + t, up = ux;
                for (int ci = 0; ci < c; ci++, vp += ntp, up += FilterBlock)
                {
                    var v0 = Vector512.Load(vp); var v1 = Vector512.Load(vp + w); var v2 = Vector512.Load(vp + 2 * w);
                    var k = Vector512.Create(up[0]);
                    a0 = Simd.Fma(k, v0, a0); a1 = Simd.Fma(k, v1, a1); a2 = Simd.Fma(k, v2, a2);
                    k = Vector512.Create(up[1]);
                    b0 = Simd.Fma(k, v0, b0); b1 = Simd.Fma(k, v1, b1); b2 = Simd.Fma(k, v2, b2);
                    k = Vector512.Create(up[2]);
                    c0 = Simd.Fma(k, v0, c0); c1 = Simd.Fma(k, v1, c1); c2 = Simd.Fma(k, v2, c2);
                    k = Vector512.Create(up[3]);
                    d0 = Simd.Fma(k, v0, d0); d1 = Simd.Fma(k, v1, d1); d2 = Simd.Fma(k, v2, d2);
                }
                T* mp = mx + t;
                a0.Store(mp); a1.Store(mp + w); a2.Store(mp + 2 * w); mp += ntp;
                b0.Store(mp); b1.Store(mp + w); b2.Store(mp + 2 * w); mp += ntp;
                c0.Store(mp); c1.Store(mp + w); c2.Store(mp + 2 * w); mp += ntp;
                d0.Store(mp); d1.Store(mp + w); d2.Store(mp + 2 * w);
            }
            for (; t + 2 * w <= pairs * w; t += 2 * w)
            {
                Vector512<T> a0 = default, a1 = default, b0 = default, b1 = default;
                Vector512<T> c0 = default, c1 = default, d0 = default, d1 = default;
                T* vp = vx + t, up = ux;
                for (int ci = 0; ci < c; ci++, vp += ntp, up += FilterBlock)
                {
                    var v0 = Vector512.Load(vp); var v1 = Vector512.Load(vp + w);
                    var k = Vector512.Create(up[0]);
                    a0 = Simd.Fma(k, v0, a0); a1 = Simd.Fma(k, v1, a1);
                    k = Vector512.Create(up[1]);
                    b0 = Simd.Fma(k, v0, b0); b1 = Simd.Fma(k, v1, b1);
                    k = Vector512.Create(up[2]);
                    c0 = Simd.Fma(k, v0, c0); c1 = Simd.Fma(k, v1, c1);
                    k = Vector512.Create(up[3]);
                    d0 = Simd.Fma(k, v0, d0); d1 = Simd.Fma(k, v1, d1);
                }
                T* mp = mx + t;
                a0.Store(mp); a1.Store(mp + w); mp += ntp;
                b0.Store(mp); b1.Store(mp + w); mp += ntp;
                c0.Store(mp); c1.Store(mp + w); mp += ntp;
                d0.Store(mp); d1.Store(mp + w);
            }
            for (; t < pairs * w; t += w)
            {
                Vector512<T> a0 = default, b0 = default, c0 = default, d0 = default;
                T* vp = vx + t, up = ux;
                for (int ci = 0; ci < c; ci++, vp += ntp, up += FilterBlock)
                {
                    var v0 = Vector512.Load(vp);
                    a0 = Simd.Fma(Vector512.Create(up[0]), v0, a0); b0 = Simd.Fma(Vector512.Create(up[1]), v0, b0);
                    c0 = Simd.Fma(Vector512.Create(up[2]), v0, c0); d0 = Simd.Fma(Vector512.Create(up[3]), v0, d0);
                }
                T* mp = mx + t;
                a0.Store(mp); b0.Store(mp + ntp); c0.Store(mp + 2 * ntp); d0.Store(mp + 3 * ntp);
            }
        }
    }

    /// <summary>
    /// Y = Aᵀ M A plus the bias for every filter and the units [u0, u1): each unit's two output rows are assembled in
    /// outRows (the even and odd columns interleaved) and copied into the output.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void TransformOutput(int u0, int u1, T* m, T* outRows)
    {
        var g = _g;
        int tw = _tw, th = _th, l = L, ow = g.OW, oh = g.OH, fn = _fn;
        long mPosition = _mPosition, plane = (long)oh * ow;
        T* row0 = outRows, row1 = outRows + _outRowSize / 2;
        for (int k = 0; k < fn; k++)
        {
            var bias = Vector256.Create(_b[k]);
            T* mk = m + (long)k * _ntp;
            for (int u = u0; u < u1; u++)
            {
                int n = u / th, ty = u % th;
                T* mt = mk + (long)(u - u0) * tw;
                T* o = _out + ((long)n * fn + k) * plane + (long)(2 * ty) * ow;
                bool second = 2 * ty + 1 < oh;   // an odd OH leaves the last tile row one output row
                int tail = ow;                    // where the columns stored through outRows begin
                for (int t = 0; t < tw; t += l)
                {
                    T* p = mt + t;
                    // Aᵀ down: s0 = m0 + m1 + m2, s1 = m1 − m2 − m3 (rows of the 4×4), for each of the 4 columns.
                    Down(p, mPosition, 0, out var s00, out var s10);
                    Down(p, mPosition, 1, out var s01, out var s11);
                    Down(p, mPosition, 2, out var s02, out var s12);
                    Down(p, mPosition, 3, out var s03, out var s13);
                    // … A across: y0 = s0 + s1 + s2, y1 = s1 − s2 − s3.
                    var y00 = s00 + s01 + s02 + bias; var y01 = s01 - s02 - s03 + bias;
                    var y10 = s10 + s11 + s12 + bias; var y11 = s11 - s12 - s13 + bias;
                    Interleave(y00, y01, out var lo0, out var hi0);
                    Interleave(y10, y11, out var lo1, out var hi1);
                    // Whole in the row: straight into the output; the last, partial piece through outRows.
                    T* r0 = o + 2 * t, r1 = o + ow + 2 * t;
                    if (2 * t + 2 * l > ow) { tail = 2 * t; r0 = row0 + 2 * t; r1 = row1 + 2 * t; }
                    lo0.Store(r0); hi0.Store(r0 + l);
                    if (second) { lo1.Store(r1); hi1.Store(r1 + l); }
                }
                if (tail < ow)
                {
                    Simd.CopyRow(row0 + tail, o + tail, ow - tail);
                    if (second) Simd.CopyRow(row1 + tail, o + ow + tail, ow - tail);
                }
            }
        }
    }

    /// <summary>Column j of a tile's M (entries j, 4 + j, 8 + j, 12 + j): s0 = m0 + m1 + m2, s1 = m1 − m2 − m3.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Down(T* p, long position, int j, out Vector256<T> s0, out Vector256<T> s1)
    {
        var m0 = Vector256.Load(p + j * position); var m1 = Vector256.Load(p + (4 + j) * position);
        var m2 = Vector256.Load(p + (8 + j) * position); var m3 = Vector256.Load(p + (12 + j) * position);
        s0 = m0 + m1 + m2; s1 = m1 - m2 - m3;
    }

    /// <summary>dW = A'ᵀ M A' of L channels at once (lane j: channel j; the same operations as one channel alone).</summary>
    protected override void OutputChannels(Vector256<T>* m, T* stage)
    {
        int l = L;
        Vector256<T>* s = stackalloc Vector256<T>[12];
        // A'ᵀ down each column q: (m0 + m1 + m2, m1 − m2, m1 + m2 − m3) …
        for (int q = 0; q < 4; q++)
        {
            Vector256<T> m0 = m[q], m1 = m[4 + q], m2 = m[8 + q], m3 = m[12 + q];
            s[q] = m0 + m1 + m2; s[4 + q] = m1 - m2; s[8 + q] = m1 + m2 - m3;
        }
        // … and A' across each of the 3 rows.
        for (int i = 0; i < 3; i++)
        {
            Vector256<T> a0 = s[4 * i], a1 = s[4 * i + 1], a2 = s[4 * i + 2], a3 = s[4 * i + 3];
            (a0 + a1 + a2).Store(stage + 3 * i * l); (a1 - a2).Store(stage + (3 * i + 1) * l); (a1 + a2 - a3).Store(stage + (3 * i + 2) * l);
        }
    }

    /// <summary>dW = A'ᵀ M A' of one channel.</summary>
    protected override void OutputChannel(T* m, T* d)
    {
        T* s = stackalloc T[12];
        for (int q = 0; q < 4; q++)
        {
            T m0 = m[q], m1 = m[4 + q], m2 = m[8 + q], m3 = m[12 + q];
            s[q] = m0 + m1 + m2; s[4 + q] = m1 - m2; s[8 + q] = m1 + m2 - m3;
        }
        for (int i = 0; i < 3; i++)
        {
            T a0 = s[4 * i], a1 = s[4 * i + 1], a2 = s[4 * i + 2], a3 = s[4 * i + 3];
            d[3 * i] = a0 + a1 + a2; d[3 * i + 1] = a1 - a2; d[3 * i + 2] = a1 + a2 - a3;
        }
    }

    /// <summary><see cref="Plan"/> for <see cref="WinogradKernel{T}.FilterGradient"/>: blocks of tile rows, one task per core.</summary>
    protected override void PlanFilterGradient(ConvGeometry g, int fn)
    {
        int l = L, tsize = Unsafe.SizeOf<T>();
        PlanTiles(g, fn);
        int fp = _fb * FilterBlock;
        // One position's V and Y' ((C + FN) × tiles) in about 128 KB of L2; long enough runs of tiles that adding the
        // 12 sums into M once per block costs little beside the products.
        int targetTiles = Math.Clamp(131_072 / ((g.C + fp) * tsize), 4 * l, 1024);
        _blockUnits = Math.Max(1, targetTiles / _tw);
        _tasks = Math.Max(1, Math.Min(_units, Threads(g, fn)));
        _blockUnits = Math.Min(_blockUnits, (_units + _tasks - 1) / _tasks);
        // Tile capacity: the transforms' last stores run up to a vector past the block's tiles.
        _ntp = RoundUp(_blockUnits * _tw + l, l);
        _vPosition = (long)g.C * _ntp + 64 / tsize;
        _vSize = Positions * _vPosition;
        _yPosition = (long)fp * _ntp + 64 / tsize;
        _ySize = Positions * _yPosition;
        _rowsSize = Math.Max((long)g.C * (2 * Math.Min(_blockUnits, _th) + 2) * 2 * _s, 4L * _s);
        _taskSize = RoundUp((int)(_vSize + _ySize + _rowsSize), 64 / tsize);
        _mdwSize = RoundUp(Positions * fp * g.C + FilterGradientSlack, 64 / tsize);
        long total = _taskSize * _tasks;
        EnsurePinned(ref _buffers, total);
        EnsurePinned(ref _partialM, _mdwSize * _tasks);
    }

    /// <summary>
    /// dW (FN, C, 3, 3) and db (FN) of the convolution out = x ⋆ w + b with stride 1, given x (N, C, H, W) and ∂L/∂out
    /// (N, FN, OH, OW), by Winograd F(3×3, 2×2): dW[f, c] is the correlation of the padded x with dout[f], a 3×3 "output"
    /// from a 2×2 "filter".
    /// </summary>
    /// <remarks>
    /// <para>dout is split into the forward's 2×2 output tiles, each matched with the same 4×4 padded input tile, which
    /// gets the forward's input transform V = Bᵀ d B. Each dout tile g gets Y' = G' g G'ᵀ with G' = [1 0; ½ ½; ½ −½; 0 1];
    /// for each of the 16 positions ξ, M[ξ](f, c) = Σ over images and tiles of Y'[ξ](f, tile) · V[ξ](c, tile); and dW[f, c]
    /// = A'ᵀ M A' with A'ᵀ = [1 1 1 0; 0 1 −1 0; 0 1 1 −1]. (In one dimension, v = (d0 − d2, d1 + d2, d2 − d1, d1 − d3) and
    /// u = (g0, (g0 + g1)/2, (g0 − g1)/2, g1) give m0 + m1 + m2 = g0 d0 + g1 d1, m1 − m2 = g0 d1 + g1 d2 and m1 + m2 − m3
    /// = g0 d2 + g1 d3.) Dout tiles past an odd edge are zero. Every coefficient is exact in binary.</para>
    /// <para>The tiles are shared among the cores (one task per core, each summing its own M; then dW and db in a second
    /// job over the filters, which adds the tasks' M), and go
    /// in blocks of whole tile rows sized so that one position's V and Y' (C and FN rows of the block's tiles) stay in L2
    /// while every 4-filter × 3-channel block of M reads them: 12 vector sums in registers over the tiles, added into M
    /// once per block.</para>
    /// <para>This method is one task of it (<see cref="WinogradKernel{T}.FilterGradient"/> runs them): its share of the tiles, block by block, into its own M (at _u).</para>
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void FilterProductTask(int task)
    {
        int ut0 = (int)((long)task * _units / _tasks), ut1 = (int)((long)(task + 1) * _units / _tasks);
        T* v = _scratch + task * _taskSize, y = v + _vSize, rows = y + _ySize, m = _u + task * _mdwSize;
        new Span<T>(m, (int)_mdwSize).Clear();
        int fp = _fb * FilterBlock, c = _g.C;
        for (int u0 = ut0; u0 < ut1; u0 += _blockUnits)
        {
            int u1 = Math.Min(ut1, u0 + _blockUnits);
            TransformInput(u0, u1, v, rows);
            TransformDout(u0, u1, y, rows);
            int tiles = (u1 - u0) * _tw, kt = RoundUp(tiles, L);
            // The lanes past the last tile: zero in both (stale values of an earlier block, or of an earlier call, times zero
            // could still be NaN).
            for (int p = 0; p < Positions; p++)
            {
                for (int ci = 0; ci < c; ci++)
                    for (int t = tiles; t < kt; t++) v[p * _vPosition + (long)ci * _ntp + t] = T.Zero;
                for (int f = 0; f < fp; f++)
                    for (int t = tiles; t < kt; t++) y[p * _yPosition + (long)f * _ntp + t] = T.Zero;
            }
            MultiplyFilterGradient(y, v, m, c, _fb, kt, _ntp, _vPosition, _yPosition, Positions, Wide);
        }
    }

    /// <summary>
    /// Y' for the units [u0, u1) and every filter (zero for the filters past the last of a block): each unit's two dout
    /// rows split into even and odd columns (the tile at column 2t covers e[t], o[t]), then Y' = G' g G'ᵀ, entry ξ of
    /// tile t at y[ξ·position + f·ntp + t].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void TransformDout(int u0, int u1, T* y, T* rows)
    {
        var g = _g;
        int s = _s, th = _th, tw = _tw, oh = g.OH, ow = g.OW, fn = _fn, fp = _fb * FilterBlock, l = L;
        long position = _yPosition, ntp = _ntp;
        T half = T.One / (T.One + T.One);
        var h = Vector256.Create(half);
        T* e0 = rows, o0 = rows + s, e1 = rows + 2 * s, o1 = rows + 3 * s;
        for (int u = u0; u < u1; u++)
        {
            int n = u / th, ty = u % th;
            T* yt = y + (long)(u - u0) * tw;
            for (int f = 0; f < fp; f++)
            {
                T* dst = yt + f * ntp;
                if (f >= fn)
                {
                    for (int k = 0; k < tw; k += l)
                        for (int p = 0; p < Positions; p++) Vector256<T>.Zero.Store(dst + p * position + k);
                    continue;
                }
                for (int q = 0; q < 4 * s; q += l) Vector256<T>.Zero.Store(rows + q);
                T* src = _dout + (((long)n * fn + f) * oh + 2 * ty) * ow;
                SplitRow(src, e0, o0, ow, 0);
                if (2 * ty + 1 < oh) SplitRow(src + ow, e1, o1, ow, 0);   // an odd OH: the last tile row's second row is zero
                for (int k = 0; k < tw; k += l)
                {
                    // G' down each column (rows a, b): (a, (a + b)/2, (a − b)/2, b) …
                    var ea = Vector256.Load(e0 + k); var eb = Vector256.Load(e1 + k);
                    var oa = Vector256.Load(o0 + k); var ob = Vector256.Load(o1 + k);
                    var e1v = (ea + eb) * h; var e2v = (ea - eb) * h;
                    var o1v = (oa + ob) * h; var o2v = (oa - ob) * h;
                    // … and across each row (e, o): (e, (e + o)/2, (e − o)/2, o).
                    Across2(dst + k, position, 0, ea, oa, h);
                    Across2(dst + k, position, 4, e1v, o1v, h);
                    Across2(dst + k, position, 8, e2v, o2v, h);
                    Across2(dst + k, position, 12, eb, ob, h);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Across2(T* y, long position, int xi, Vector256<T> e, Vector256<T> o, Vector256<T> half)
    {
        e.Store(y + xi * position);
        ((e + o) * half).Store(y + (xi + 1) * position);
        ((e - o) * half).Store(y + (xi + 2) * position);
        o.Store(y + (xi + 3) * position);
    }

    /// <summary>
    /// m0[0..3), m1[0..3), m2[0..3), m3[0..3) += the lane sums of (a0, a1, a2), (b0, b1, b2), (c0, c1, c2), (d0, d1, d2):
    /// twelve sums in one tree of horizontal adds (one sum at a time took about as many instructions as a third of the
    /// product's FMAs), added four values at a time: each row's three sums and a zero go onto m[0..4), which leaves m[3]
    /// as it was (M is never −0, the one value that adding +0 changes), so M needs one vector of room past its end
    /// (<see cref="FilterGradientSlack"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddSums(float* m0, float* m1, float* m2, float* m3, Vector256<float> a0, Vector256<float> a1, Vector256<float> a2,
        Vector256<float> b0, Vector256<float> b1, Vector256<float> b2, Vector256<float> c0, Vector256<float> c1, Vector256<float> c2,
        Vector256<float> d0, Vector256<float> d1, Vector256<float> d2)
    {
        // Each 128-bit half of h01 holds that half's sums of a0, a1, a2, b0 (h23: b1, b2, c0, c1; h45: c2, d0, d1, d2).
        var h01 = Avx.HorizontalAdd(Avx.HorizontalAdd(a0, a1), Avx.HorizontalAdd(a2, b0));
        var h23 = Avx.HorizontalAdd(Avx.HorizontalAdd(b1, b2), Avx.HorizontalAdd(c0, c1));
        var h45 = Avx.HorizontalAdd(Avx.HorizontalAdd(c2, d0), Avx.HorizontalAdd(d1, d2));
        var r = Avx.Permute2x128(h01, h23, 0x20) + Avx.Permute2x128(h01, h23, 0x31);
        Vector128<float> lo = r.GetLower(), hi = r.GetUpper(), q = h45.GetLower() + h45.GetUpper(), zero = Vector128<float>.Zero;
        // lo = (a0 a1 a2 b0), hi = (b1 b2 c0 c1), q = (c2 d0 d1 d2): each row's three sums shifted into lanes 0–2, lane 3 zero.
        AddFour(m0, Sse41.Blend(lo, zero, 0b1000));
        AddFour(m1, Sse41.Blend(Ssse3.AlignRight(hi.AsByte(), lo.AsByte(), 12).AsSingle(), zero, 0b1000));
        AddFour(m2, Sse41.Blend(Ssse3.AlignRight(q.AsByte(), hi.AsByte(), 8).AsSingle(), zero, 0b1000));
        AddFour(m3, Ssse3.AlignRight(zero.AsByte(), q.AsByte(), 4).AsSingle());
    }

    /// <summary>
    /// The 4 filters × 3 channels of <see cref="MultiplyFilterGradient"/>'s sums over the tiles [0, end) (end a multiple of
    /// two vectors) in 512-bit vectors, each folded to 256 bits (its two halves added) for the rest of the sum.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WideSums(T* p0, T* p1, T* p2, T* y0, T* y1, T* y2, T* y3, int end,
        out Vector256<T> a0, out Vector256<T> a1, out Vector256<T> a2, out Vector256<T> b0, out Vector256<T> b1, out Vector256<T> b2,
        out Vector256<T> c0, out Vector256<T> c1, out Vector256<T> c2, out Vector256<T> d0, out Vector256<T> d1, out Vector256<T> d2)
    {
        int w = Vector512<T>.Count;
        Vector512<T> wa0 = default, wa1 = default, wa2 = default, wb0 = default, wb1 = default, wb2 = default;
        Vector512<T> wc0 = default, wc1 = default, wc2 = default, wd0 = default, wd1 = default, wd2 = default;
        for (int t = 0; t < end; t += w)
        {
            var v0 = Vector512.Load(p0 + t); var v1 = Vector512.Load(p1 + t); var v2 = Vector512.Load(p2 + t);
            var k = Vector512.Load(y0 + t);
            wa0 = Simd.Fma(k, v0, wa0); wa1 = Simd.Fma(k, v1, wa1); wa2 = Simd.Fma(k, v2, wa2);
            k = Vector512.Load(y1 + t);
            wb0 = Simd.Fma(k, v0, wb0); wb1 = Simd.Fma(k, v1, wb1); wb2 = Simd.Fma(k, v2, wb2);
            k = Vector512.Load(y2 + t);
            wc0 = Simd.Fma(k, v0, wc0); wc1 = Simd.Fma(k, v1, wc1); wc2 = Simd.Fma(k, v2, wc2);
            k = Vector512.Load(y3 + t);
            wd0 = Simd.Fma(k, v0, wd0); wd1 = Simd.Fma(k, v1, wd1); wd2 = Simd.Fma(k, v2, wd2);
        }
        a0 = Fold(wa0); a1 = Fold(wa1); a2 = Fold(wa2); b0 = Fold(wb0); b1 = Fold(wb1); b2 = Fold(wb2);
        c0 = Fold(wc0); c1 = Fold(wc1); c2 = Fold(wc2); d0 = Fold(wd0); d1 = Fold(wd1); d2 = Fold(wd2);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Fold(Vector512<T> x) => x.GetLower() + x.GetUpper();

    /// <summary>m[0..4) += s.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddFour(float* m, Vector128<float> s) => (Vector128.Load(m) + s).Store(m);

    /// <summary>Values of room a dW's per-task M needs past its last entry (see <see cref="AddSums"/>).</summary>
    internal const int FilterGradientSlack = 4;

    /// <summary>
    /// M[ξ][f][c] += Σ_t Y'[ξ][f][t] · V[ξ][c][t] over the tiles [0, kt) (whole vectors), for the positions ξ &lt;
    /// <paramref name="positions"/> and the fb blocks of 4 filters:
    /// 4 filters × 3 channels of vector sums in 12 registers (3 loads of V and 4 of Y' feed 12 FMAs), added into M at the end.
    /// </summary>
    /// <remarks>Shared with <see cref="Winograd4{T}"/>'s dW (36 positions).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void MultiplyFilterGradient(T* y, T* v, T* m, int c, int fb, int kt, int ntp, long vPosition, long yPosition, int positions,
        bool wide = false)
    {
        int l = L;
        // 512-bit: the tiles' vectors in pairs, each sum's two halves added before the 256-bit tail and lane sums (an
        // order of additions of its own, so other last bits than the 256-bit steps).
        int wideEnd = wide ? kt / (2 * l) * (2 * l) : 0;
        long mPosition = (long)fb * FilterBlock * c;
        for (int xi = 0; xi < positions; xi++)
            for (int f0 = 0; f0 < fb; f0++)
            {
                T* y0 = y + xi * yPosition + (long)f0 * FilterBlock * ntp, y1 = y0 + ntp, y2 = y1 + ntp, y3 = y2 + ntp;
                T* vx = v + xi * vPosition, m0 = m + xi * mPosition + (long)f0 * FilterBlock * c, m1 = m0 + c, m2 = m1 + c, m3 = m2 + c;
                int ci = 0;
                for (; ci + 3 <= c; ci += 3)
                {
                    T* p0 = vx + (long)ci * ntp, p1 = p0 + ntp, p2 = p1 + ntp;
                    Vector256<T> a0 = default, a1 = default, a2 = default, b0 = default, b1 = default, b2 = default;
                    Vector256<T> c0 = default, c1 = default, c2 = default, d0 = default, d1 = default, d2 = default;
                    if (wideEnd > 0)
                        WideSums(p0, p1, p2, y0, y1, y2, y3, wideEnd, out a0, out a1, out a2, out b0, out b1, out b2, out c0, out c1, out c2, out d0, out d1, out d2);
                    for (int t = wideEnd; t < kt; t += l)
                    {
                        var v0 = Vector256.Load(p0 + t); var v1 = Vector256.Load(p1 + t); var v2 = Vector256.Load(p2 + t);
                        var k = Vector256.Load(y0 + t);
                        a0 = Simd.Fma(k, v0, a0); a1 = Simd.Fma(k, v1, a1); a2 = Simd.Fma(k, v2, a2);
                        k = Vector256.Load(y1 + t);
                        b0 = Simd.Fma(k, v0, b0); b1 = Simd.Fma(k, v1, b1); b2 = Simd.Fma(k, v2, b2);
                        k = Vector256.Load(y2 + t);
                        c0 = Simd.Fma(k, v0, c0); c1 = Simd.Fma(k, v1, c1); c2 = Simd.Fma(k, v2, c2);
                        k = Vector256.Load(y3 + t);
                        d0 = Simd.Fma(k, v0, d0); d1 = Simd.Fma(k, v1, d1); d2 = Simd.Fma(k, v2, d2);
                    }
                    if (typeof(T) == typeof(float) && Avx.IsSupported)
                    {
                        AddSums((float*)m0 + ci, (float*)m1 + ci, (float*)m2 + ci, (float*)m3 + ci, a0.AsSingle(), a1.AsSingle(), a2.AsSingle(),
                            b0.AsSingle(), b1.AsSingle(), b2.AsSingle(), c0.AsSingle(), c1.AsSingle(), c2.AsSingle(), d0.AsSingle(), d1.AsSingle(), d2.AsSingle());
                        continue;
                    }
                    m0[ci] += Vector256.Sum(a0); m0[ci + 1] += Vector256.Sum(a1); m0[ci + 2] += Vector256.Sum(a2);
                    m1[ci] += Vector256.Sum(b0); m1[ci + 1] += Vector256.Sum(b1); m1[ci + 2] += Vector256.Sum(b2);
                    m2[ci] += Vector256.Sum(c0); m2[ci + 1] += Vector256.Sum(c1); m2[ci + 2] += Vector256.Sum(c2);
                    m3[ci] += Vector256.Sum(d0); m3[ci + 1] += Vector256.Sum(d1); m3[ci + 2] += Vector256.Sum(d2);
                }
                for (; ci < c; ci++)
                {
                    T* p0 = vx + (long)ci * ntp;
                    Vector256<T> a0 = default, b0 = default, c0 = default, d0 = default;
                    if (wideEnd > 0)
                    {
                        Vector512<T> wa = default, wb = default, wc = default, wd = default;
                        for (int t = 0; t < wideEnd; t += 2 * l)
                        {
                            var v0 = Vector512.Load(p0 + t);
                            wa = Simd.Fma(Vector512.Load(y0 + t), v0, wa); wb = Simd.Fma(Vector512.Load(y1 + t), v0, wb);
                            wc = Simd.Fma(Vector512.Load(y2 + t), v0, wc); wd = Simd.Fma(Vector512.Load(y3 + t), v0, wd);
                        }
                        a0 = Fold(wa); b0 = Fold(wb); c0 = Fold(wc); d0 = Fold(wd);
                    }
                    for (int t = wideEnd; t < kt; t += l)
                    {
                        var v0 = Vector256.Load(p0 + t);
                        a0 = Simd.Fma(Vector256.Load(y0 + t), v0, a0); b0 = Simd.Fma(Vector256.Load(y1 + t), v0, b0);
                        c0 = Simd.Fma(Vector256.Load(y2 + t), v0, c0); d0 = Simd.Fma(Vector256.Load(y3 + t), v0, d0);
                    }
                    m0[ci] += Vector256.Sum(a0); m1[ci] += Vector256.Sum(b0); m2[ci] += Vector256.Sum(c0); m3[ci] += Vector256.Sum(d0);
                }
            }
    }
}
