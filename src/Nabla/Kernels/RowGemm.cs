using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Nabla.Kernels;

/// <summary>
/// Products of a few rows with a large matrix (a network's first layer on a single image: 1×4320 · 4320×100), read in
/// place. Packing, or <see cref="SmallGemm{T}"/>'s padded copy, copies all of B for one row of C; here each row of C is
/// accumulated from the rows of B, four vectors of columns at a time, and B is only read.
/// </summary>
internal static unsafe class RowGemm<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>At most this many rows of C: every row is one more pass over B.</summary>
    public const int MaxRows = 2;

    /// <summary>Whether the product is one this kernel does: few rows, B not transposed, C at least one vector wide.</summary>
    public static bool Handles(int m, int n, bool transB) =>
        !transB && m <= MaxRows && Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported && n >= Vector256<T>.Count;

    /// <summary>C (m × n) = op(A) · B, or C += it, for B (k × n) row-major and op(A) = A (m × k) or Aᵀ (A is k × m).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(T* a, T* b, T* c, int m, int n, int k, bool transA, bool accumulate)
    {
        int l = Vector256<T>.Count;
        for (int i = 0; i < m; i++)
        {
            // op(A)[i, p] is a[i·k + p], or a[p·m + i] when A is stored transposed.
            T* ai = transA ? a + i : a + (long)i * k;
            long aStep = transA ? m : 1;
            T* ci = c + (long)i * n;
            int c0 = 0;
            for (; c0 + 4 * l <= n; c0 += 4 * l) Four(ai, aStep, b + c0, ci + c0, n, k, accumulate);
            for (; c0 + l <= n; c0 += l) One(ai, aStep, b + c0, ci + c0, n, k, accumulate);
            // The last columns as one vector ending at n: the columns it shares with the one before get the same sums.
            if (c0 < n)
            {
                int s = n - l;
                if (accumulate)
                {
                    // Its first columns were already added into C by the vector before: only the new ones are added.
                    var sum = Sum(ai, aStep, b + s, n, k);
                    for (int j = c0 - s; j < l; j++) ci[s + j] += sum[j];
                }
                else One(ai, aStep, b + s, ci + s, n, k, accumulate: false);
            }
        }
    }

    private static Vector256<T> Sum(T* ai, long aStep, T* b, int n, int k)
    {
        var acc = Vector256<T>.Zero;
        for (int p = 0; p < k; p++) acc = Simd.Fma(Vector256.Create(ai[p * aStep]), Vector256.Load(b + (long)p * n), acc);
        return acc;
    }

    private static void One(T* ai, long aStep, T* b, T* ci, int n, int k, bool accumulate)
    {
        var acc = Sum(ai, aStep, b, n, k);
        if (accumulate) acc += Vector256.Load(ci);
        acc.Store(ci);
    }

    private static void Four(T* ai, long aStep, T* b, T* ci, int n, int k, bool accumulate)
    {
        int l = Vector256<T>.Count;
        Vector256<T> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int p = 0; p < k; p++)
        {
            var x = Vector256.Create(ai[p * aStep]);
            T* bp = b + (long)p * n;
            a0 = Simd.Fma(x, Vector256.Load(bp), a0);
            a1 = Simd.Fma(x, Vector256.Load(bp + l), a1);
            a2 = Simd.Fma(x, Vector256.Load(bp + 2 * l), a2);
            a3 = Simd.Fma(x, Vector256.Load(bp + 3 * l), a3);
        }
        if (accumulate)
        {
            a0 += Vector256.Load(ci); a1 += Vector256.Load(ci + l); a2 += Vector256.Load(ci + 2 * l); a3 += Vector256.Load(ci + 3 * l);
        }
        a0.Store(ci); a1.Store(ci + l); a2.Store(ci + 2 * l); a3.Store(ci + 3 * l);
    }
}
