using System.Numerics;

namespace Nabla.Kernels;

/// <summary>
/// General matrix multiply on contiguous row-major matrices:
/// <c>C = op(A)·op(B)</c>, or <c>C += op(A)·op(B)</c> when <c>accumulate</c> is set.
/// op(A) is m×k: A is stored m×k, or k×m when <c>transA</c> (so Aᵀ·B never materialises Aᵀ).
/// op(B) is k×n: B is stored k×n, or n×k when <c>transB</c>.
/// </summary>
public static class Gemm
{
    /// <summary>Computes <c>C (+)= op(A)·op(B)</c>; see the class remarks for the layouts.</summary>
    public static void Multiply<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int n, int k,
        bool transA = false, bool transB = false, bool accumulate = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSizes(a.Length, b.Length, c.Length, m, n, k);
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            if (!accumulate) c[..(m * n)].Clear();
            return;
        }
        if (!PackedGemm<T>.Supported)
        {
            Reference(a, b, c, m, n, k, transA, transB, accumulate);
            return;
        }
        unsafe
        {
            fixed (T* pa = a, pb = b, pc = c)
            {
                if (SmallGemm<T>.Handles(m, n, k)) SmallGemm<T>.Run(pa, pb, pc, m, n, k, transA, transB, accumulate);
                else if (RowGemm<T>.Handles(m, n, transB)) RowGemm<T>.Run(pa, pb, pc, m, n, k, transA, accumulate);
                else PackedGemm<T>.Run(pa, pb, pc, m, n, k, transA, transB, accumulate);
            }
        }
    }

    /// <summary>The plain triple loop, kept as the oracle for tests.</summary>
    internal static void Reference<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int n, int k,
        bool transA, bool transB, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                T s = T.Zero;
                for (int p = 0; p < k; p++)
                {
                    T av = transA ? a[p * m + i] : a[i * k + p];
                    T bv = transB ? b[j * k + p] : b[p * n + j];
                    s += av * bv;
                }
                c[i * n + j] = accumulate ? c[i * n + j] + s : s;
            }
    }

    internal static void CheckSizes(int aLen, int bLen, int cLen, int m, int n, int k)
    {
        if (m < 0 || n < 0 || k < 0)
            throw new ArgumentException($"GEMM sizes must be non-negative (m={m}, n={n}, k={k}).");
        if (aLen < (long)m * k) throw new ArgumentException($"GEMM: A holds {aLen} elements, needs m×k = {m}×{k}.");
        if (bLen < (long)k * n) throw new ArgumentException($"GEMM: B holds {bLen} elements, needs k×n = {k}×{n}.");
        if (cLen < (long)m * n) throw new ArgumentException($"GEMM: C holds {cLen} elements, needs m×n = {m}×{n}.");
    }
}
