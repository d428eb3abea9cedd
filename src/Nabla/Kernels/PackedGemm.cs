using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Nabla.Kernels;

/// <summary>
/// The packed, register-blocked GEMM behind <see cref="Gemm.Multiply{T}"/> (GotoBLAS/BLIS layout):
/// B is packed in KC×NR panels and A in MR×KC panels (transposes are absorbed by the packing), and a
/// micro-kernel keeps an MR×NR tile of C in registers — 12×32 floats (12×16 doubles) in 24 zmm
/// registers with AVX-512, 6×16 floats in 12 ymm registers with AVX2 — while it streams the panels.
/// Row blocks of C are spread over the cores when the product is large enough.
/// </summary>
internal static unsafe class PackedGemm<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    // These are properties made of JIT intrinsics and typeof(T) tests, so every tier of the JIT folds them
    // to constants (static readonly fields are constants only once tier-1 code is compiled after the
    // class constructor ran; until then they cost loads and block unrolling in the hot loops).
    internal static bool Use512 => Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported;
    internal static bool Use256 => Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported;
    internal static bool Supported => (Use512 || Use256) && (typeof(T) == typeof(float) || typeof(T) == typeof(double));

    /// <summary>Rows of the register tile.</summary>
    internal static int MR => Use512 ? 12 : 6;
    /// <summary>Columns of the register tile: two vectors.</summary>
    internal static int NR => 2 * (Use512 ? Vector512<T>.Count : Vector256<T>.Count);
    /// <summary>Depth of a packed block: a KC×NR panel of B (24–32 KB) stays in L1 beside an MR×KC panel of A.</summary>
    internal static int KC => typeof(T) == typeof(float) ? 256 : 128;
    /// <summary>Largest row block of A packed at once (stays in L2).</summary>
    internal static int MCMax => MR * 12;
    /// <summary>Widest column block of B packed at once.</summary>
    internal const int NC = 2048;
    /// <summary>Products below this many multiply-adds run on one core.</summary>
    internal const long ParallelThreshold = 1L << 18;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(T* a, T* b, T* c, int m, int n, int k, bool transA, bool transB, bool accumulate)
    {
        int threads = (long)m * n * k >= ParallelThreshold ? WorkerPool.Concurrency : 1;
        // Row blocks: at most MCMax rows, but small enough that every core gets one.
        int mc = Math.Min(MCMax, RoundUp((m + threads - 1) / threads, MR));
        int mBlocks = (m + mc - 1) / mc;
        // A short, narrow C with a long depth (a convolution's dW: 30×25 summed over 57,600 positions)
        // has too few tiles to share: split the depth instead and add up the partial products.
        if (threads > 1 && (m + MR - 1) / MR * ((n + NR - 1) / NR) < 2 * threads && k >= 4 * KC * threads)
        {
            RunSplitDepth(a, b, c, m, n, k, transA, transB, accumulate, threads);
            return;
        }
        RunRange(a, b, c, m, n, k, 0, k, transA, transB, accumulate, threads, mc, mBlocks);
    }

    /// <summary>C (+)= op(A)[:, k0..k1]·op(B)[k0..k1, :] with <paramref name="threads"/> cores over row blocks / column groups.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunRange(T* a, T* b, T* c, int m, int n, int k, int k0, int k1, bool transA, bool transB, bool accumulate, int threads, int mc, int mBlocks)
    {
        int ncMax = Math.Min(NC, RoundUp(n, NR));
        int kBlocks = (k1 - k0 + KC - 1) / KC;
        T[] bArray = ArrayPool<T>.Shared.Rent(kBlocks * KC * ncMax + AlignSlack);
        try
        {
            fixed (T* bBase = bArray)
            {
                T* bPack = Align64(bBase);
                for (int jc = 0; jc < n; jc += NC)
                {
                    int nc = Math.Min(NC, n - jc);
                    // All of op(B)[k0..k1, jc..jc+nc] is packed once, one KC slice after another, so the
                    // cores then work on their blocks of C through every slice without meeting again.
                    var pack = PackBJob.For(b, bPack, n, k, k0, k1, jc, nc, transB);
                    if (threads == 1) for (int t = 0; t < kBlocks; t++) pack.Execute(t);
                    else WorkerPool.Run(pack, kBlocks);
                    int nPanels = (nc + NR - 1) / NR;
                    // Column groups give the second core work when there is only one row block.
                    int nGroups = Math.Min(nPanels, Math.Max(1, threads / mBlocks));
                    int tasks = mBlocks * nGroups;
                    var job = BlockJob.For(a, bPack, c, m, n, k, k0, k1, jc, nc, mc, nPanels, nGroups, transA, accumulate);
                    if (threads == 1) for (int t = 0; t < tasks; t++) job.Execute(t);
                    else WorkerPool.Run(job, tasks);
                }
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(bArray);
        }
    }

    /// <summary>Each core multiplies one range of the depth into its own m×n buffer; the buffers are then added into C.</summary>
    private static void RunSplitDepth(T* a, T* b, T* c, int m, int n, int k, bool transA, bool transB, bool accumulate, int threads)
    {
        int chunk = RoundUp((k + threads - 1) / threads, KC);
        int parts = (k + chunk - 1) / chunk;
        var partials = new T[parts][];
        for (int i = 0; i < parts; i++) partials[i] = ArrayPool<T>.Shared.Rent(m * n);
        try
        {
            WorkerPool.Run(new DepthJob(a, b, partials, m, n, k, chunk, transA, transB), parts);
            var dst = new Span<T>(c, m * n);
            if (accumulate) System.Numerics.Tensors.TensorPrimitives.Add(dst, partials[0].AsSpan(0, m * n), dst);
            else partials[0].AsSpan(0, m * n).CopyTo(dst);
            for (int i = 1; i < parts; i++) System.Numerics.Tensors.TensorPrimitives.Add(dst, partials[i].AsSpan(0, m * n), dst);
        }
        finally
        {
            foreach (var p in partials) ArrayPool<T>.Shared.Return(p);
        }
    }

    /// <summary>One depth range of a split product, on one core, into its own buffer.</summary>
    private sealed class DepthJob(T* a, T* b, T[][] partials, int m, int n, int k, int chunk, bool transA, bool transB) : IParallelJob
    {
        public void Execute(int part)
        {
            int k0 = part * chunk, k1 = Math.Min(k, k0 + chunk);
            int mc = Math.Min(MCMax, RoundUp(m, MR));
            fixed (T* cp = partials[part])
                RunRange(a, b, cp, m, n, k, k0, k1, transA, transB, accumulate: false, threads: 1, mc, (m + mc - 1) / mc);
        }
    }

    /// <summary>Packs one KC slice of op(B)[k0..k1, jc..jc+nc] (task = slice index within the range).</summary>
    private sealed class PackBJob : IParallelJob
    {
        [ThreadStatic] private static PackBJob? t_cached;
        private T* b, bPack;
        private int n, k, k0, k1, jc, nc;
        private bool transB;

        /// <summary>This thread's reusable instance, set up for one call (a GEMM allocates nothing).</summary>
        public static PackBJob For(T* b, T* bPack, int n, int k, int k0, int k1, int jc, int nc, bool transB)
        {
            var j = t_cached ??= new PackBJob();
            j.b = b; j.bPack = bPack;
            (j.n, j.k, j.k0, j.k1, j.jc, j.nc, j.transB) = (n, k, k0, k1, jc, nc, transB);
            return j;
        }

        public void Execute(int slice)
        {
            int pc = k0 + slice * KC;
            PackB(b, bPack + (long)slice * KC * RoundUp(nc, NR), n, k, pc, Math.Min(KC, k1 - pc), jc, nc, transB);
        }
    }

    /// <summary>One (row block × column group) of C: for every KC slice of k0..k1, packs its A block and runs the micro-kernels.</summary>
    private sealed class BlockJob : IParallelJob
    {
        [ThreadStatic] private static BlockJob? t_cached;
        private T* a, bPack, c;
        private int m, n, k, k0, k1, jc, nc, mc, nPanels, nGroups;
        private bool transA, accumulate;

        /// <summary>This thread's reusable instance, set up for one call (a GEMM allocates nothing).</summary>
        public static BlockJob For(T* a, T* bPack, T* c, int m, int n, int k, int k0, int k1, int jc, int nc, int mc, int nPanels, int nGroups, bool transA, bool accumulate)
        {
            var j = t_cached ??= new BlockJob();
            j.a = a; j.bPack = bPack; j.c = c;
            (j.m, j.n, j.k, j.k0, j.k1, j.jc, j.nc, j.mc, j.nPanels, j.nGroups, j.transA, j.accumulate) =
                (m, n, k, k0, k1, jc, nc, mc, nPanels, nGroups, transA, accumulate);
            return j;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int task)
        {
            int ib = task / nGroups, g = task % nGroups;
            int ic = ib * mc, rows = Math.Min(mc, m - ic);
            int p0 = g * nPanels / nGroups, p1 = (g + 1) * nPanels / nGroups;
            long sliceStride = (long)KC * RoundUp(nc, NR);
            T[] aArray = ArrayPool<T>.Shared.Rent(RoundUp(rows, MR) * KC + AlignSlack);
            try
            {
                fixed (T* aBase = aArray)
                {
                    T* aPack = Align64(aBase);
                    for (int pc = k0, pb = 0; pc < k1; pc += KC, pb++)
                    {
                        int kc = Math.Min(KC, k1 - pc);
                        bool overwrite = pc == k0 && !accumulate;
                        PackA(a, aPack, m, k, ic, rows, pc, kc, transA);
                        for (int panel = p0; panel < p1; panel++)
                        {
                            int jr = panel * NR, cols = Math.Min(NR, nc - jr);
                            T* bp = bPack + pb * sliceStride + (long)panel * NR * kc;
                            for (int ir = 0; ir < rows; ir += MR)
                            {
                                T* cp = c + (long)(ic + ir) * n + jc + jr;
                                int r = Math.Min(MR, rows - ir);
                                if (Use512) Kernel512(aPack + (long)ir * kc, bp, kc, cp, n, r, cols, overwrite);
                                else Kernel256(aPack + (long)ir * kc, bp, kc, cp, n, r, cols, overwrite);
                            }
                        }
                    }
                }
            }
            finally
            {
                ArrayPool<T>.Shared.Return(aArray);
            }
        }
    }

    /// <summary>Packs rows ic..ic+rows of op(A), depth pc..pc+kc, as MR-row panels [panel][p][MR], zero-padded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackA(T* a, T* dst, int m, int k, int ic, int rows, int pc, int kc, bool transA)
    {
        T** rowPtr = stackalloc T*[MR];
        for (int i0 = 0; i0 < rows; i0 += MR)
        {
            int r = Math.Min(MR, rows - i0);
            T* panel = dst + (long)i0 * kc;
            if (!transA)
            {
                // A(i, p) = a[i·k + p]: walk the r rows side by side so the panel is written in order.
                // A full panel goes six rows at a time with the row pointers in registers: the packing
                // of a thin product (K = 4,320, M = N = 100) costs as much as a third of its FMAs otherwise.
                T* first = a + (long)(ic + i0) * k + pc;
                if (r == MR)
                    for (int r0 = 0; r0 < MR; r0 += 6) PackSixRows(first + (long)r0 * k, k, panel + r0, kc);
                else
                {
                    for (int ri = 0; ri < r; ri++) rowPtr[ri] = first + (long)ri * k;
                    for (int p = 0; p < kc; p++)
                    {
                        T* d = panel + p * MR;
                        for (int ri = 0; ri < r; ri++) d[ri] = rowPtr[ri][p];
                    }
                }
            }
            else
            {
                // A(i, p) = a[p·m + i]: each depth step is a contiguous run of rows.
                T* src0 = a + (long)pc * m + ic + i0;
                if (r == MR)
                    for (int p = 0; p < kc; p++) Unsafe.CopyBlockUnaligned(panel + p * MR, src0 + (long)p * m, (uint)(MR * Unsafe.SizeOf<T>()));
                else
                    for (int p = 0; p < kc; p++)
                    {
                        T* src = src0 + (long)p * m;
                        T* d = panel + p * MR;
                        for (int ri = 0; ri < r; ri++) d[ri] = src[ri];
                    }
            }
            if (r < MR)
                for (int p = 0; p < kc; p++)
                    for (int ri = r; ri < MR; ri++) panel[p * MR + ri] = T.Zero;
        }
    }

    /// <summary>dst[q·ldd + r] = src[r·lds + q] for an 8×8 block of floats (AVX: unpack, shuffle, swap halves).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* src, int lds, float* dst, int ldd)
    {
        var r0 = Vector256.Load(src); var r1 = Vector256.Load(src + lds);
        var r2 = Vector256.Load(src + 2L * lds); var r3 = Vector256.Load(src + 3L * lds);
        var r4 = Vector256.Load(src + 4L * lds); var r5 = Vector256.Load(src + 5L * lds);
        var r6 = Vector256.Load(src + 6L * lds); var r7 = Vector256.Load(src + 7L * lds);
        var t0 = System.Runtime.Intrinsics.X86.Avx.UnpackLow(r0, r1); var t1 = System.Runtime.Intrinsics.X86.Avx.UnpackHigh(r0, r1);
        var t2 = System.Runtime.Intrinsics.X86.Avx.UnpackLow(r2, r3); var t3 = System.Runtime.Intrinsics.X86.Avx.UnpackHigh(r2, r3);
        var t4 = System.Runtime.Intrinsics.X86.Avx.UnpackLow(r4, r5); var t5 = System.Runtime.Intrinsics.X86.Avx.UnpackHigh(r4, r5);
        var t6 = System.Runtime.Intrinsics.X86.Avx.UnpackLow(r6, r7); var t7 = System.Runtime.Intrinsics.X86.Avx.UnpackHigh(r6, r7);
        var u0 = System.Runtime.Intrinsics.X86.Avx.Shuffle(t0, t2, 0x44); var u1 = System.Runtime.Intrinsics.X86.Avx.Shuffle(t0, t2, 0xEE);
        var u2 = System.Runtime.Intrinsics.X86.Avx.Shuffle(t1, t3, 0x44); var u3 = System.Runtime.Intrinsics.X86.Avx.Shuffle(t1, t3, 0xEE);
        var u4 = System.Runtime.Intrinsics.X86.Avx.Shuffle(t4, t6, 0x44); var u5 = System.Runtime.Intrinsics.X86.Avx.Shuffle(t4, t6, 0xEE);
        var u6 = System.Runtime.Intrinsics.X86.Avx.Shuffle(t5, t7, 0x44); var u7 = System.Runtime.Intrinsics.X86.Avx.Shuffle(t5, t7, 0xEE);
        System.Runtime.Intrinsics.X86.Avx.Permute2x128(u0, u4, 0x20).Store(dst);
        System.Runtime.Intrinsics.X86.Avx.Permute2x128(u1, u5, 0x20).Store(dst + ldd);
        System.Runtime.Intrinsics.X86.Avx.Permute2x128(u2, u6, 0x20).Store(dst + 2L * ldd);
        System.Runtime.Intrinsics.X86.Avx.Permute2x128(u3, u7, 0x20).Store(dst + 3L * ldd);
        System.Runtime.Intrinsics.X86.Avx.Permute2x128(u0, u4, 0x31).Store(dst + 4L * ldd);
        System.Runtime.Intrinsics.X86.Avx.Permute2x128(u1, u5, 0x31).Store(dst + 5L * ldd);
        System.Runtime.Intrinsics.X86.Avx.Permute2x128(u2, u6, 0x31).Store(dst + 6L * ldd);
        System.Runtime.Intrinsics.X86.Avx.Permute2x128(u3, u7, 0x31).Store(dst + 7L * ldd);
    }

    /// <summary>Six rows of A (row stride <paramref name="k"/>) into a panel whose depth steps are MR apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PackSixRows(T* a, int k, T* d, int kc)
    {
        T* a0 = a, a1 = a + k, a2 = a + 2L * k, a3 = a + 3L * k, a4 = a + 4L * k, a5 = a + 5L * k;
        int mr = MR;
        for (int p = 0; p < kc; p++, d += mr)
        {
            d[0] = a0[p]; d[1] = a1[p]; d[2] = a2[p]; d[3] = a3[p]; d[4] = a4[p]; d[5] = a5[p];
        }
    }

    /// <summary>Packs columns jc..jc+nc of op(B), depth pc..pc+kc, as NR-column panels [panel][p][NR], zero-padded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackB(T* b, T* dst, int n, int k, int pc, int kc, int jc, int nc, bool transB)
    {
        for (int j0 = 0; j0 < nc; j0 += NR)
        {
            int cols = Math.Min(NR, nc - j0);
            T* panel = dst + (long)j0 * kc;
            if (!transB)
            {
                // B(p, j) = b[p·n + j]: a contiguous run of columns per depth step.
                for (int p = 0; p < kc; p++)
                {
                    T* src = b + (long)(pc + p) * n + jc + j0;
                    T* d = panel + p * NR;
                    if (cols == NR) Unsafe.CopyBlockUnaligned(d, src, (uint)(NR * Unsafe.SizeOf<T>()));
                    else
                    {
                        new ReadOnlySpan<T>(src, cols).CopyTo(new Span<T>(d, cols));
                        new Span<T>(d + cols, NR - cols).Clear();
                    }
                }
            }
            else
            {
                // B(p, j) = b[j·k + p]: read each column of op(B) (a row of b) contiguously.
                int jDone = 0, pDone = 0;
                if (typeof(T) == typeof(float) && System.Runtime.Intrinsics.X86.Avx.IsSupported && cols % 8 == 0 && kc >= 8)
                {
                    // Eight rows of b by eight depth steps at a time, transposed in registers: the element loop
                    // below stores one float per instruction, 64 bytes apart (a layer's dx = dout·Wᵀ packs all of W).
                    pDone = kc & ~7;
                    for (; jDone < cols; jDone += 8)
                    {
                        float* src = (float*)(b + (long)(jc + j0 + jDone) * k + pc);
                        for (int p = 0; p < pDone; p += 8)
                            Transpose8x8(src + p, k, (float*)(panel + p * NR + jDone), NR);
                    }
                    jDone = 0;
                }
                for (int jj = jDone; jj < cols; jj++)
                {
                    T* src = b + (long)(jc + j0 + jj) * k + pc;
                    for (int p = pDone; p < kc; p++) panel[p * NR + jj] = src[p];
                }
                if (cols < NR)
                    for (int p = 0; p < kc; p++) new Span<T>(panel + p * NR + cols, NR - cols).Clear();
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(T* dst, int w, Vector512<T> x0, Vector512<T> x1, bool overwrite)
    {
        if (!overwrite) { x0 += Vector512.Load(dst); x1 += Vector512.Load(dst + w); }
        x0.Store(dst); x1.Store(dst + w);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(T* dst, int w, Vector256<T> x0, Vector256<T> x1, bool overwrite)
    {
        if (!overwrite) { x0 += Vector256.Load(dst); x1 += Vector256.Load(dst + w); }
        x0.Store(dst); x1.Store(dst + w);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void StorePartial(T* tile, int tileCols, T* c, int ldc, int rows, int cols, bool overwrite)
    {
        for (int r = 0; r < rows; r++)
        {
            T* src = tile + r * tileCols; T* dst = c + (long)r * ldc;
            if (overwrite) for (int j = 0; j < cols; j++) dst[j] = src[j];
            else for (int j = 0; j < cols; j++) dst[j] += src[j];
        }
    }

    private static int RoundUp(int x, int to) => (x + to - 1) / to * to;

    /// <summary>Extra elements rented so that the packed panels can start on a 64-byte boundary.</summary>
    private static int AlignSlack => 64 / Unsafe.SizeOf<T>();

    /// <summary>
    /// The first 64-byte boundary at or after <paramref name="p"/>, so that the micro-kernels' vector
    /// loads of the packed panels never straddle two cache lines (a managed array is only 8- or
    /// 16-byte aligned). No speed difference was measurable on the test machine, whose run-to-run
    /// noise is larger.
    /// </summary>
    private static T* Align64(T* p) => (T*)(((nint)p + 63) & ~(nint)63);

    /// <summary>12×2 Vector512 micro-kernel: C[12×NR] (+)= Apanel[kc×12]ᵀ·Bpanel[kc×NR].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel512(T* a, T* b, int kc, T* c, int ldc, int rows, int cols, bool overwrite)
    {
        int w = Vector512<T>.Count;
        Vector512<T> c0_0, c0_1, c1_0, c1_1, c2_0, c2_1, c3_0, c3_1, c4_0, c4_1, c5_0, c5_1, c6_0, c6_1, c7_0, c7_1, c8_0, c8_1, c9_0, c9_1, c10_0, c10_1, c11_0, c11_1;
        c0_0 = Vector512<T>.Zero; c0_1 = Vector512<T>.Zero; c1_0 = Vector512<T>.Zero; c1_1 = Vector512<T>.Zero; c2_0 = Vector512<T>.Zero; c2_1 = Vector512<T>.Zero; c3_0 = Vector512<T>.Zero; c3_1 = Vector512<T>.Zero; c4_0 = Vector512<T>.Zero; c4_1 = Vector512<T>.Zero; c5_0 = Vector512<T>.Zero; c5_1 = Vector512<T>.Zero; c6_0 = Vector512<T>.Zero; c6_1 = Vector512<T>.Zero; c7_0 = Vector512<T>.Zero; c7_1 = Vector512<T>.Zero; c8_0 = Vector512<T>.Zero; c8_1 = Vector512<T>.Zero; c9_0 = Vector512<T>.Zero; c9_1 = Vector512<T>.Zero; c10_0 = Vector512<T>.Zero; c10_1 = Vector512<T>.Zero; c11_0 = Vector512<T>.Zero; c11_1 = Vector512<T>.Zero;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b); var b1 = Vector512.Load(b + w);
            { var av = Vector512.Create(a[0]); c0_0 = Simd.Fma(av, b0, c0_0); c0_1 = Simd.Fma(av, b1, c0_1); }
            { var av = Vector512.Create(a[1]); c1_0 = Simd.Fma(av, b0, c1_0); c1_1 = Simd.Fma(av, b1, c1_1); }
            { var av = Vector512.Create(a[2]); c2_0 = Simd.Fma(av, b0, c2_0); c2_1 = Simd.Fma(av, b1, c2_1); }
            { var av = Vector512.Create(a[3]); c3_0 = Simd.Fma(av, b0, c3_0); c3_1 = Simd.Fma(av, b1, c3_1); }
            { var av = Vector512.Create(a[4]); c4_0 = Simd.Fma(av, b0, c4_0); c4_1 = Simd.Fma(av, b1, c4_1); }
            { var av = Vector512.Create(a[5]); c5_0 = Simd.Fma(av, b0, c5_0); c5_1 = Simd.Fma(av, b1, c5_1); }
            { var av = Vector512.Create(a[6]); c6_0 = Simd.Fma(av, b0, c6_0); c6_1 = Simd.Fma(av, b1, c6_1); }
            { var av = Vector512.Create(a[7]); c7_0 = Simd.Fma(av, b0, c7_0); c7_1 = Simd.Fma(av, b1, c7_1); }
            { var av = Vector512.Create(a[8]); c8_0 = Simd.Fma(av, b0, c8_0); c8_1 = Simd.Fma(av, b1, c8_1); }
            { var av = Vector512.Create(a[9]); c9_0 = Simd.Fma(av, b0, c9_0); c9_1 = Simd.Fma(av, b1, c9_1); }
            { var av = Vector512.Create(a[10]); c10_0 = Simd.Fma(av, b0, c10_0); c10_1 = Simd.Fma(av, b1, c10_1); }
            { var av = Vector512.Create(a[11]); c11_0 = Simd.Fma(av, b0, c11_0); c11_1 = Simd.Fma(av, b1, c11_1); }
            a += 12; b += 2 * w;
        }
        if (rows == 12 && cols == 2 * w)
        {
            Store(c + 0 * ldc, w, c0_0, c0_1, overwrite);
            Store(c + 1 * ldc, w, c1_0, c1_1, overwrite);
            Store(c + 2 * ldc, w, c2_0, c2_1, overwrite);
            Store(c + 3 * ldc, w, c3_0, c3_1, overwrite);
            Store(c + 4 * ldc, w, c4_0, c4_1, overwrite);
            Store(c + 5 * ldc, w, c5_0, c5_1, overwrite);
            Store(c + 6 * ldc, w, c6_0, c6_1, overwrite);
            Store(c + 7 * ldc, w, c7_0, c7_1, overwrite);
            Store(c + 8 * ldc, w, c8_0, c8_1, overwrite);
            Store(c + 9 * ldc, w, c9_0, c9_1, overwrite);
            Store(c + 10 * ldc, w, c10_0, c10_1, overwrite);
            Store(c + 11 * ldc, w, c11_0, c11_1, overwrite);
            return;
        }
        T* tile = stackalloc T[12 * 2 * Vector512<T>.Count];
        c0_0.Store(tile + 0 * 2 * w); c0_1.Store(tile + 0 * 2 * w + w);
        c1_0.Store(tile + 1 * 2 * w); c1_1.Store(tile + 1 * 2 * w + w);
        c2_0.Store(tile + 2 * 2 * w); c2_1.Store(tile + 2 * 2 * w + w);
        c3_0.Store(tile + 3 * 2 * w); c3_1.Store(tile + 3 * 2 * w + w);
        c4_0.Store(tile + 4 * 2 * w); c4_1.Store(tile + 4 * 2 * w + w);
        c5_0.Store(tile + 5 * 2 * w); c5_1.Store(tile + 5 * 2 * w + w);
        c6_0.Store(tile + 6 * 2 * w); c6_1.Store(tile + 6 * 2 * w + w);
        c7_0.Store(tile + 7 * 2 * w); c7_1.Store(tile + 7 * 2 * w + w);
        c8_0.Store(tile + 8 * 2 * w); c8_1.Store(tile + 8 * 2 * w + w);
        c9_0.Store(tile + 9 * 2 * w); c9_1.Store(tile + 9 * 2 * w + w);
        c10_0.Store(tile + 10 * 2 * w); c10_1.Store(tile + 10 * 2 * w + w);
        c11_0.Store(tile + 11 * 2 * w); c11_1.Store(tile + 11 * 2 * w + w);
        StorePartial(tile, 2 * w, c, ldc, rows, cols, overwrite);
    }

    /// <summary>6×2 Vector256 micro-kernel: C[6×NR] (+)= Apanel[kc×6]ᵀ·Bpanel[kc×NR].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel256(T* a, T* b, int kc, T* c, int ldc, int rows, int cols, bool overwrite)
    {
        int w = Vector256<T>.Count;
        Vector256<T> c0_0, c0_1, c1_0, c1_1, c2_0, c2_1, c3_0, c3_1, c4_0, c4_1, c5_0, c5_1;
        c0_0 = Vector256<T>.Zero; c0_1 = Vector256<T>.Zero; c1_0 = Vector256<T>.Zero; c1_1 = Vector256<T>.Zero; c2_0 = Vector256<T>.Zero; c2_1 = Vector256<T>.Zero; c3_0 = Vector256<T>.Zero; c3_1 = Vector256<T>.Zero; c4_0 = Vector256<T>.Zero; c4_1 = Vector256<T>.Zero; c5_0 = Vector256<T>.Zero; c5_1 = Vector256<T>.Zero;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b); var b1 = Vector256.Load(b + w);
            { var av = Vector256.Create(a[0]); c0_0 = Simd.Fma(av, b0, c0_0); c0_1 = Simd.Fma(av, b1, c0_1); }
            { var av = Vector256.Create(a[1]); c1_0 = Simd.Fma(av, b0, c1_0); c1_1 = Simd.Fma(av, b1, c1_1); }
            { var av = Vector256.Create(a[2]); c2_0 = Simd.Fma(av, b0, c2_0); c2_1 = Simd.Fma(av, b1, c2_1); }
            { var av = Vector256.Create(a[3]); c3_0 = Simd.Fma(av, b0, c3_0); c3_1 = Simd.Fma(av, b1, c3_1); }
            { var av = Vector256.Create(a[4]); c4_0 = Simd.Fma(av, b0, c4_0); c4_1 = Simd.Fma(av, b1, c4_1); }
            { var av = Vector256.Create(a[5]); c5_0 = Simd.Fma(av, b0, c5_0); c5_1 = Simd.Fma(av, b1, c5_1); }
            a += 6; b += 2 * w;
        }
        if (rows == 6 && cols == 2 * w)
        {
            Store(c + 0 * ldc, w, c0_0, c0_1, overwrite);
            Store(c + 1 * ldc, w, c1_0, c1_1, overwrite);
            Store(c + 2 * ldc, w, c2_0, c2_1, overwrite);
            Store(c + 3 * ldc, w, c3_0, c3_1, overwrite);
            Store(c + 4 * ldc, w, c4_0, c4_1, overwrite);
            Store(c + 5 * ldc, w, c5_0, c5_1, overwrite);
            return;
        }
        T* tile = stackalloc T[6 * 2 * Vector256<T>.Count];
        c0_0.Store(tile + 0 * 2 * w); c0_1.Store(tile + 0 * 2 * w + w);
        c1_0.Store(tile + 1 * 2 * w); c1_1.Store(tile + 1 * 2 * w + w);
        c2_0.Store(tile + 2 * 2 * w); c2_1.Store(tile + 2 * 2 * w + w);
        c3_0.Store(tile + 3 * 2 * w); c3_1.Store(tile + 3 * 2 * w + w);
        c4_0.Store(tile + 4 * 2 * w); c4_1.Store(tile + 4 * 2 * w + w);
        c5_0.Store(tile + 5 * 2 * w); c5_1.Store(tile + 5 * 2 * w + w);
        StorePartial(tile, 2 * w, c, ldc, rows, cols, overwrite);
    }
}
