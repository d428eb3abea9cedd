using System.Numerics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Nabla.Kernels;

/// <summary>
/// ReLU forward (max(0, x)) and backward (dout where the output is positive), vectorised on the calling thread: the work
/// is bound by memory, and sharing it between the cores gained nothing (Kernels/README.md).
/// </summary>
internal static class ReluKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>o = max(0, x).</summary>
    public static void Forward(ReadOnlySpan<T> x, Span<T> o) => TP.Max(x, T.Zero, o);

    /// <summary>dx = dout where o &gt; 0, else 0.</summary>
    public static void Backward(ReadOnlySpan<T> o, ReadOnlySpan<T> dout, Span<T> dx) => MaskPositive(o, dout, dx);

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
