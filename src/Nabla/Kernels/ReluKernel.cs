using System.Numerics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Nabla.Kernels;

/// <summary>
/// ReLU forward (max(0, x)) and backward (dout where the output is positive), vectorised. Both are bound by memory. The
/// forward (one stream in, one out) runs on the calling thread: shared among the cores it gained nothing. The backward
/// (two in, one out) of a large tensor (a convolution's output, from <see cref="ParallelLength"/> values) is shared
/// among the cores in contiguous ranges, each value computed as on one thread (the same bits): DeepConvNet's first ReLU
/// 0.72 → 0.41 ms (Kernels/README.md).
/// </summary>
internal static unsafe class ReluKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Values from which the backward is shared among the cores (DeepConvNet's ReLUs hold 0.4–1.3 million).</summary>
    internal const int ParallelLength = 1 << 18;

    [ThreadStatic] private static Job? _job;

    /// <summary>o = max(0, x).</summary>
    public static void Forward(ReadOnlySpan<T> x, Span<T> o) => TP.Max(x, T.Zero, o);

    /// <summary>dx = dout where o &gt; 0, else 0.</summary>
    public static void Backward(ReadOnlySpan<T> o, ReadOnlySpan<T> dout, Span<T> dx) => MaskPositive(o, dout, dx);

    /// <summary>dx = dout where out &gt; 0, else 0 (vectorised).</summary>
    public static void MaskPositive(ReadOnlySpan<T> o, ReadOnlySpan<T> dout, Span<T> dx)
    {
        if (o.Length < ParallelLength || WorkerPool.Concurrency == 1) { MaskRange(o, dout, dx); return; }
        if (dout.Length < o.Length || dx.Length < o.Length) throw new ArgumentException("ReLU backward: dout or dx is shorter than the output.");
        fixed (T* po = o, pd = dout, px = dx) Run(po, pd, px, o.Length);
    }

    private static void MaskRange(ReadOnlySpan<T> o, ReadOnlySpan<T> dout, Span<T> dx)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && o.Length >= Vector<T>.Count)
        {
            for (; i <= o.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var vo = new Vector<T>(o.Slice(i));
                var vd = new Vector<T>(dout.Slice(i));
                Vector.ConditionalSelect(Vector.GreaterThan(vo, Vector<T>.Zero), vd, Vector<T>.Zero).CopyTo(dx.Slice(i));
            }
        }
        for (; i < o.Length; i++) dx[i] = o[i] > T.Zero ? dout[i] : T.Zero;
    }

    /// <summary>dst = dout where src &gt; 0, else 0, over the cores.</summary>
    private static void Run(T* src, T* dout, T* dst, int length)
    {
        var job = _job ??= new Job();
        job.Src = src; job.Dout = dout; job.Dst = dst; job.Length = length; job.Tasks = WorkerPool.Concurrency;
        try { WorkerPool.Run(job, job.Tasks); }
        finally { job.Src = job.Dout = job.Dst = null; }
    }

    private sealed class Job : IParallelJob
    {
        public T* Src, Dout, Dst;
        public int Length, Tasks;

        public void Execute(int task)
        {
            // Ranges start on a 64-byte boundary of the index, so the cores never write the same cache line.
            int align = 64 / sizeof(T);
            int i0 = (int)((long)task * Length / Tasks) / align * align, i1 = task + 1 == Tasks ? Length : (int)((long)(task + 1) * Length / Tasks) / align * align;
            int n = i1 - i0;
            if (n <= 0) return;
            MaskRange(new ReadOnlySpan<T>(Src + i0, n), new ReadOnlySpan<T>(Dout + i0, n), new Span<T>(Dst + i0, n));
        }
    }
}
