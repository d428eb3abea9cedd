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
        // Eight rows of C at a time, one vector of columns, summed in registers over the depth: eight independent
        // chains of FMAs (enough to hide their latency) share each load of op(B).
        long sa = transA ? 1 : k, sp = transA ? m : 1; // A(i, p) = a[i·sa + p·sp]
        int i0 = 0;
        for (; i0 <= m - 8; i0 += 8)
        {
            T* a0 = a + i0 * sa;
            for (int j = 0; j < np; j += l)
            {
                Vector256<T> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
                T* ap = a0;
                for (int p = 0; p < k; p++, ap += sp)
                {
                    var bv = Vector256.Load(bp + (long)p * np + j);
                    c0 = Simd.Fma(Vector256.Create(ap[0]), bv, c0);
                    c1 = Simd.Fma(Vector256.Create(ap[sa]), bv, c1);
                    c2 = Simd.Fma(Vector256.Create(ap[2 * sa]), bv, c2);
                    c3 = Simd.Fma(Vector256.Create(ap[3 * sa]), bv, c3);
                    c4 = Simd.Fma(Vector256.Create(ap[4 * sa]), bv, c4);
                    c5 = Simd.Fma(Vector256.Create(ap[5 * sa]), bv, c5);
                    c6 = Simd.Fma(Vector256.Create(ap[6 * sa]), bv, c6);
                    c7 = Simd.Fma(Vector256.Create(ap[7 * sa]), bv, c7);
                }
                T* cr = cp + (long)i0 * np + j;
                c0.Store(cr); c1.Store(cr + np); c2.Store(cr + 2 * np); c3.Store(cr + 3 * np);
                c4.Store(cr + 4 * np); c5.Store(cr + 5 * np); c6.Store(cr + 6 * np); c7.Store(cr + 7 * np);
            }
        }
        for (; i0 < m; i0++)
            for (int j = 0; j < np; j += l)
            {
                Vector256<T> c0 = default;
                T* ap = a + i0 * sa;
                for (int p = 0; p < k; p++, ap += sp) c0 = Simd.Fma(Vector256.Create(ap[0]), Vector256.Load(bp + (long)p * np + j), c0);
                c0.Store(cp + (long)i0 * np + j);
            }
        for (int i = 0; i < m; i++)
        {
            T* src = cp + (long)i * np, dst = c + (long)i * n;
            if (accumulate) for (int j = 0; j < n; j++) dst[j] += src[j];
            else Simd.CopyRow(src, dst, n);
        }
    }
}
