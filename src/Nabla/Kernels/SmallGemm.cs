using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Nabla.Kernels;

/// <summary>
/// Products too small for packing to pay (the book's second layer: 100×50 · 50×10 and its two backward
/// products, some 50,000 multiply-adds each). For such a product the packed GEMM's fixed costs — renting,
/// packing and partial tiles — exceed the arithmetic; here op(B) is copied once into a padded scratch, and
/// each row of C is accumulated from the rows of op(B) in vectors.
/// </summary>
internal static unsafe class SmallGemm<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>At most this many multiply-adds, and C at most this wide.</summary>
    private const long MaxWork = 1 << 17;
    private const int MaxN = 256;

    [ThreadStatic] private static T[]? t_scratch;

    public static bool Handles(int m, int n, int k) =>
        Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported && n <= MaxN && (long)m * n * k <= MaxWork;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(T* a, T* b, T* c, int m, int n, int k, bool transA, bool transB, bool accumulate)
    {
        int l = Vector256<T>.Count, np = (n + l - 1) / l * l;
        // op(B) as k rows of np, zero-padded, then C as m rows of np.
        long need = (long)k * np + (long)m * np + 64 / Unsafe.SizeOf<T>();
        var scratch = t_scratch;
        if (scratch == null || scratch.Length < need) t_scratch = scratch = GC.AllocateUninitializedArray<T>((int)Math.Max(need, 4096), pinned: true);
        T* bp = (T*)(((nint)Unsafe.AsPointer(ref scratch[0]) + 63) & ~(nint)63);
        T* cp = bp + (long)k * np;
        for (int p = 0; p < k; p++)
        {
            T* d = bp + (long)p * np;
            if (transB) for (int j = 0; j < n; j++) d[j] = b[(long)j * k + p];
            else Simd.CopyRow(b + (long)p * n, d, n);
            for (int j = n; j < np; j++) d[j] = T.Zero;
        }
        // Four rows of C at a time by up to three vectors of columns, summed in registers over the depth: twelve
        // independent chains of FMAs (enough to hide their latency), and each load of op(B) or broadcast of op(A) feeds
        // three or four of them. Every element is the same chain of FMAs in depth order however the block is cut.
        long sa = transA ? 1 : k, sp = transA ? m : 1; // A(i, p) = a[i·sa + p·sp]
        int nv = np / l, i0 = 0;
        for (; i0 <= m - 4; i0 += 4) RowBlock<Rows4>(a + i0 * sa, sa, sp, bp, np, nv, k, cp + (long)i0 * np);
        for (; i0 < m; i0++) RowBlock<Rows1>(a + i0 * sa, sa, sp, bp, np, nv, k, cp + (long)i0 * np);
        for (int i = 0; i < m; i++)
        {
            T* src = cp + (long)i * np, dst = c + (long)i * n;
            if (accumulate) for (int j = 0; j < n; j++) dst[j] += src[j];
            else Simd.CopyRow(src, dst, n);
        }
    }

    private interface ICount { static abstract int Count { get; } }
    private struct Rows1 : ICount { public static int Count => 1; }
    private struct Rows4 : ICount { public static int Count => 4; }
    private struct Vectors1 : ICount { public static int Count => 1; }
    private struct Vectors2 : ICount { public static int Count => 2; }
    private struct Vectors3 : ICount { public static int Count => 3; }

    /// <summary>TR rows of C (at <paramref name="c"/>, rows np apart), all nv vectors of them, three vectors at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowBlock<TR>(T* a, long sa, long sp, T* bp, int np, int nv, int k, T* c) where TR : struct, ICount
    {
        int l = Vector256<T>.Count;
        for (int v = 0; v < nv; v += 3)
            switch (nv - v)
            {
                case 1: Block<TR, Vectors1>(a, sa, sp, bp + v * l, np, k, c + v * l); break;
                case 2: Block<TR, Vectors2>(a, sa, sp, bp + v * l, np, k, c + v * l); break;
                default: Block<TR, Vectors3>(a, sa, sp, bp + v * l, np, k, c + v * l); break;
            }
    }

    /// <summary>
    /// C's block of TR rows (1 or 4) by TV vectors (1–3) at <paramref name="c"/> = Σ over the depth of op(A)'s column
    /// times op(B)'s padded row, in depth order; a count known per instantiation, so the unused registers fold away.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block<TR, TV>(T* a, long sa, long sp, T* b, int np, int k, T* c) where TR : struct, ICount where TV : struct, ICount
    {
        int l = Vector256<T>.Count;
        Vector256<T> c00 = default, c01 = default, c02 = default, c10 = default, c11 = default, c12 = default;
        Vector256<T> c20 = default, c21 = default, c22 = default, c30 = default, c31 = default, c32 = default;
        T* ap = a, bq = b;
        for (int p = 0; p < k; p++, ap += sp, bq += np)
        {
            var b0 = Vector256.Load(bq);
            var b1 = TV.Count > 1 ? Vector256.Load(bq + l) : default;
            var b2 = TV.Count > 2 ? Vector256.Load(bq + 2 * l) : default;
            var x = Vector256.Create(ap[0]);
            c00 = Simd.Fma(x, b0, c00);
            if (TV.Count > 1) c01 = Simd.Fma(x, b1, c01);
            if (TV.Count > 2) c02 = Simd.Fma(x, b2, c02);
            if (TR.Count > 1)
            {
                x = Vector256.Create(ap[sa]);
                c10 = Simd.Fma(x, b0, c10);
                if (TV.Count > 1) c11 = Simd.Fma(x, b1, c11);
                if (TV.Count > 2) c12 = Simd.Fma(x, b2, c12);
                x = Vector256.Create(ap[2 * sa]);
                c20 = Simd.Fma(x, b0, c20);
                if (TV.Count > 1) c21 = Simd.Fma(x, b1, c21);
                if (TV.Count > 2) c22 = Simd.Fma(x, b2, c22);
                x = Vector256.Create(ap[3 * sa]);
                c30 = Simd.Fma(x, b0, c30);
                if (TV.Count > 1) c31 = Simd.Fma(x, b1, c31);
                if (TV.Count > 2) c32 = Simd.Fma(x, b2, c32);
            }
        }
        c00.Store(c);
        if (TV.Count > 1) c01.Store(c + l);
        if (TV.Count > 2) c02.Store(c + 2 * l);
        if (TR.Count > 1)
        {
            c10.Store(c + np);
            if (TV.Count > 1) c11.Store(c + np + l);
            if (TV.Count > 2) c12.Store(c + np + 2 * l);
            c20.Store(c + 2 * np);
            if (TV.Count > 1) c21.Store(c + 2 * np + l);
            if (TV.Count > 2) c22.Store(c + 2 * np + 2 * l);
            c30.Store(c + 3 * np);
            if (TV.Count > 1) c31.Store(c + 3 * np + l);
            if (TV.Count > 2) c32.Store(c + 3 * np + 2 * l);
        }
    }
}
