using System.Numerics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Nabla.Kernels;

/// <summary>ReLU forward (max(0, x)) and backward (dout where the output is positive), on all cores for large arrays.</summary>
internal static unsafe class ReluKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>o = max(0, x).</summary>
    public static void Forward(ReadOnlySpan<T> x, Span<T> o)
    {
        fixed (T* px = x, po = o)
            ParallelElementwise<T>.Run(&ForwardPiece, px, null, po, x.Length);
    }

    /// <summary>dx = dout where o &gt; 0, else 0.</summary>
    public static void Backward(ReadOnlySpan<T> o, ReadOnlySpan<T> dout, Span<T> dx)
    {
        fixed (T* po = o, pd = dout, px = dx)
            ParallelElementwise<T>.Run(&BackwardPiece, po, pd, px, o.Length);
    }

    private static void ForwardPiece(T* x, T* unused, T* o, int n) => TP.Max(new ReadOnlySpan<T>(x, n), T.Zero, new Span<T>(o, n));

    private static void BackwardPiece(T* o, T* dout, T* dx, int n) => MaskPositive(new ReadOnlySpan<T>(o, n), new ReadOnlySpan<T>(dout, n), new Span<T>(dx, n));

    /// <summary>dx = dout where out &gt; 0, else 0 (vectorised).</summary>
    public static void MaskPositive(ReadOnlySpan<T> o, ReadOnlySpan<T> dout, Span<T> dx)
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
}
