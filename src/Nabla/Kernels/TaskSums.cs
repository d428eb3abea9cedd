using System.Numerics;
using System.Runtime.Intrinsics;

namespace Nabla.Kernels;

/// <summary>
/// What the direct convolution kernels' dW share (<see cref="DirectConv{T}"/>, <see cref="StridedConv{T}"/>): the sum of
/// their tasks' vector partial sums, and the mask of a row's last, overlapping vector.
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
}
