using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Nabla.Kernels;

/// <summary>
/// Row-by-row operations on a batch (N rows of n): adding a bias row to each row, summing the rows. The
/// book's layers do them on rows of 10–50 values, where one library call per row costs more than the row's arithmetic;
/// here the whole batch goes in one loop, a vector at a time with the row's last values one by one. Every result is the
/// one the per-row calls give, bit for bit: the same additions in the same order.
/// </summary>
internal static unsafe class RowwiseKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Rows at least this long keep one library call per row (its loop is as fast, and no call costs much then).</summary>
    private static int LongRow => 8 * Vector256<T>.Count;

    /// <summary>Whether a row of <paramref name="n"/> values is done here rather than by a library call of its own.</summary>
    public static bool Short(int n) => n < LongRow;

    /// <summary>s[i, j] += r[j] for each of the s.Length / r.Length rows of s.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddToEachRow(Span<T> s, ReadOnlySpan<T> r)
    {
        int n = r.Length;
        if (n == 0) return;
        if (n >= LongRow || !Vector256.IsHardwareAccelerated)
        {
            for (int o = 0; o < s.Length; o += n) TP.Add(s.Slice(o, n), r, s.Slice(o, n));
            return;
        }
        int l = Vector256<T>.Count, rows = s.Length / n;
        fixed (T* ps = s, pr = r)
            for (int i = 0; i < rows; i++)
            {
                T* row = ps + (long)i * n;
                if (n < l)
                {
                    for (int j = 0; j < n; j++) row[j] += pr[j];
                    continue;
                }
                // The row's last vector is summed from the row as it was, before the vectors it overlaps are stored, so
                // the columns they share get the same sum twice.
                var last = Vector256.Load(row + n - l) + Vector256.Load(pr + n - l);
                for (int j = 0; j <= n - l; j += l) (Vector256.Load(row + j) + Vector256.Load(pr + j)).Store(row + j);
                last.Store(row + n - l);
            }
    }

    /// <summary>
    /// dst[o, j] = Σ_k src[o, k, j] over the n rows of each of the <paramref name="outer"/> blocks of (n, inner): the first row
    /// copied, then each next row added, in order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SumRows(ReadOnlySpan<T> src, Span<T> dst, int outer, int n, int inner)
    {
        for (int o = 0; o < outer; o++)
        {
            var d = dst.Slice(o * inner, inner);
            if (inner == 1) { d[0] = TP.Sum<T>(src.Slice(o * n, n)); continue; }
            if (n == 0) { d.Clear(); continue; }
            var block = src.Slice(o * n * inner, n * inner);
            block[..inner].CopyTo(d);
            if (inner >= LongRow || !Vector256.IsHardwareAccelerated)
            {
                for (int k = 1; k < n; k++) TP.Add(d, block.Slice(k * inner, inner), d);
                continue;
            }
            int l = Vector256<T>.Count;
            if (inner < l)
            {
                for (int k = 1; k < n; k++)
                    for (int j = 0; j < inner; j++) d[j] += block[k * inner + j];
                continue;
            }
            // The row as vectors of columns, vector v at min(v·L, inner − L): the last one ends at the row's end, overlapping
            // the one before it, whose shared columns it sums in the very same order. Summed down the rows four vectors at
            // a time (past the last, the last again), so that four chains of additions are in flight rather than one.
            int vectors = (inner + l - 1) / l, lastAt = inner - l;
            fixed (T* pd = d, pb = block)
                for (int v = 0; v < vectors; v += 4)
                {
                    int j0 = Math.Min(v * l, lastAt), j1 = Math.Min((v + 1) * l, lastAt), j2 = Math.Min((v + 2) * l, lastAt), j3 = Math.Min((v + 3) * l, lastAt);
                    Vector256<T> a0 = Vector256.Load(pb + j0), a1 = Vector256.Load(pb + j1), a2 = Vector256.Load(pb + j2), a3 = Vector256.Load(pb + j3);
                    for (int k = 1; k < n; k++)
                    {
                        T* r = pb + (long)k * inner;
                        a0 += Vector256.Load(r + j0); a1 += Vector256.Load(r + j1); a2 += Vector256.Load(r + j2); a3 += Vector256.Load(r + j3);
                    }
                    a0.Store(pd + j0); a1.Store(pd + j1); a2.Store(pd + j2); a3.Store(pd + j3);
                }
        }
    }

    /// <summary>
    /// The index of a row's largest value, as <c>TensorPrimitives.IndexOfMax</c> gives it (IEEE 754:2019 maximum: the
    /// first NaN if there is one, +0 above −0, the first of equal largest values). A float row of one to two 256-bit
    /// vectors (the book's ten classes) is searched in two overlapping vector loads without a call or a branch per value;
    /// a row holding a NaN, or whose largest value is zero (where the sign of zero decides), and any other row, go to
    /// the library call.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int IndexOfMax(ReadOnlySpan<T> row)
    {
        int c = row.Length;
        if (typeof(T) != typeof(float) || !Vector256.IsHardwareAccelerated || c < 8 || c > 16) return TP.IndexOfMax(row);
        fixed (T* p = row)
        {
            float* f = (float*)p;
            var lo = Vector256.Load(f);
            var hi = Vector256.Load(f + c - 8);
            // NaN compares unequal to itself: any NaN goes to the library.
            if ((~(Vector256.Equals(lo, lo) & Vector256.Equals(hi, hi))).ExtractMostSignificantBits() != 0) return TP.IndexOfMax(row);
            var m = Vector256.MaxNative(lo, hi);
            var h = Vector128.MaxNative(m.GetLower(), m.GetUpper());
            h = Vector128.MaxNative(h, Vector128.Shuffle(h, Vector128.Create(2, 3, 0, 1)));
            h = Vector128.MaxNative(h, Vector128.Shuffle(h, Vector128.Create(1, 0, 3, 2)));
            float max = h.ToScalar();
            if (max == 0f) return TP.IndexOfMax(row);
            var top = Vector256.Create(max);
            uint at = Vector256.Equals(lo, top).ExtractMostSignificantBits() | (Vector256.Equals(hi, top).ExtractMostSignificantBits() << (c - 8));
            return BitOperations.TrailingZeroCount(at);
        }
    }
}
