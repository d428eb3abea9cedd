using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Nabla.Kernels;

/// <summary>
/// What the direct convolution kernels' dW share (<see cref="DirectConv{T}"/>, <see cref="StridedConv{T}"/>): the sum of
/// their tasks' vector partial sums, the mask of a row's last, overlapping vector, and the 4-filter × 3-tap step.
/// </summary>
internal static unsafe class TaskSums<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static int L => Vector256<T>.Count;

    /// <summary>
    /// dw[q] = the lanes' sum of Σ over tasks of partial's vector q, the tasks' vectors in task order (partial holds
    /// <paramref name="tasks"/> runs of fn · taps vectors); db[f] = Σ over tasks of dbPartial[task · fn + f]. The order
    /// does not depend on which core ran which task. (A library call per vector cost a tenth of the kernel for 64 × 64 × 9
    /// taps.)
    /// </summary>
    public static void Add(T[] partial, T[] dbPartial, int tasks, int fn, int taps, Span<T> dw, Span<T> db)
    {
        int l = L;
        long size = (long)fn * taps * l;
        fixed (T* part = partial)
            for (int q = 0; q < fn * taps; q++)
            {
                var v = Vector256.Load(part + (long)q * l);
                for (int t = 1; t < tasks; t++) v += Vector256.Load(part + t * size + (long)q * l);
                dw[q] = Vector256.Sum(v);
            }
        for (int f = 0; f < fn; f++)
        {
            T s = T.Zero;
            for (int t = 0; t < tasks; t++) s += dbPartial[t * fn + f];
            db[f] = s;
        }
    }

    /// <summary>
    /// A row of cols values walked in vectors ends, when cols is not a multiple of the vector, with a vector starting
    /// at cols − L that overlaps the one before: the mask that keeps only its last cols mod L lanes (all lanes when
    /// nothing overlaps).
    /// </summary>
    public static Vector256<T> TailMask(int cols)
    {
        int l = L, tail = cols % l;
        if (tail == 0) return Vector256<T>.AllBitsSet;
        T* m = stackalloc T[Vector256<T>.Count];
        for (int q = 0; q < l; q++) m[q] = q >= l - tail ? T.One : T.Zero;
        return Vector256.Equals(Vector256.Load(m), Vector256<T>.One);
    }

    /// <summary>
    /// One vector of dout columns for the 4-filter × 3-tap dW blocks: the three taps' input runs r0, r1, r2 (a 3-wide filter
    /// row's, or a triple from the strided kernels' tap table) times 4 filters' dout, masked by keep when <paramref name="masked"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void TripleStep(T* r0, T* r1, T* r2, T* dr, long plane, bool masked, Vector256<T> keep,
        ref Vector256<T> a0, ref Vector256<T> a1, ref Vector256<T> a2, ref Vector256<T> b0, ref Vector256<T> b1, ref Vector256<T> b2,
        ref Vector256<T> c0, ref Vector256<T> c1, ref Vector256<T> c2, ref Vector256<T> e0, ref Vector256<T> e1, ref Vector256<T> e2)
    {
        var v0 = Vector256.Load(r0); var v1 = Vector256.Load(r1); var v2 = Vector256.Load(r2);
        var e = masked ? Vector256.Load(dr) & keep : Vector256.Load(dr);
        a0 = Simd.Fma(e, v0, a0); a1 = Simd.Fma(e, v1, a1); a2 = Simd.Fma(e, v2, a2);
        e = masked ? Vector256.Load(dr + plane) & keep : Vector256.Load(dr + plane);
        b0 = Simd.Fma(e, v0, b0); b1 = Simd.Fma(e, v1, b1); b2 = Simd.Fma(e, v2, b2);
        e = masked ? Vector256.Load(dr + 2 * plane) & keep : Vector256.Load(dr + 2 * plane);
        c0 = Simd.Fma(e, v0, c0); c1 = Simd.Fma(e, v1, c1); c2 = Simd.Fma(e, v2, c2);
        e = masked ? Vector256.Load(dr + 3 * plane) & keep : Vector256.Load(dr + 3 * plane);
        e0 = Simd.Fma(e, v0, e0); e1 = Simd.Fma(e, v1, e1); e2 = Simd.Fma(e, v2, e2);
    }
}
