using System.Numerics;
using Nabla.Kernels;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Nabla.Layers;

/// <summary>ReLU layer: keeps the mask of non-positive inputs (here, the output itself) for backward.</summary>
public sealed unsafe class Relu<T> : ILayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T>? _out, _dx;

    /// <inheritdoc/>
    public Tensor<T> Forward(Tensor<T> x, bool train = true)
    {
        var o = Tensor<T>.Reuse(ref _out, x.Shape);
        fixed (T* px = x.Span, po = o.Span)
            ParallelElementwise<T>.Run(&ForwardPiece, px, null, po, x.Length);
        return o;
    }

    private static void ForwardPiece(T* x, T* unused, T* o, int n) => TP.Max(new ReadOnlySpan<T>(x, n), T.Zero, new Span<T>(o, n));

    private static void BackwardPiece(T* o, T* dout, T* dx, int n) => MaskPositive(new ReadOnlySpan<T>(o, n), new ReadOnlySpan<T>(dout, n), new Span<T>(dx, n));

    /// <inheritdoc/>
    public Tensor<T> Backward(Tensor<T> dout)
    {
        var o = _out ?? throw new InvalidOperationException("Relu.Backward called before Forward.");
        Tensor<T>.RequireSameShape(o, dout, "Relu.Backward(dout)");
        var dx = Tensor<T>.Reuse(ref _dx, dout.Shape);
        fixed (T* po = o.Span, pd = dout.Span, px = dx.Span)
            ParallelElementwise<T>.Run(&BackwardPiece, po, pd, px, o.Length);
        return dx;
    }

    /// <summary>dx = dout where out &gt; 0, else 0 (vectorised).</summary>
    internal static void MaskPositive(ReadOnlySpan<T> o, ReadOnlySpan<T> dout, Span<T> dx)
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

/// <summary>Sigmoid layer: keeps its output y, since ∂y/∂x = y(1 − y).</summary>
public sealed class Sigmoid<T> : ILayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T>? _out, _dx;

    /// <inheritdoc/>
    public Tensor<T> Forward(Tensor<T> x, bool train = true)
    {
        var o = Tensor<T>.Reuse(ref _out, x.Shape);
        TP.Sigmoid<T>(x.Span, o.Span);
        return o;
    }

    /// <inheritdoc/>
    public Tensor<T> Backward(Tensor<T> dout)
    {
        var y = _out ?? throw new InvalidOperationException("Sigmoid.Backward called before Forward.");
        Tensor<T>.RequireSameShape(y, dout, "Sigmoid.Backward(dout)");
        var dx = Tensor<T>.Reuse(ref _dx, dout.Shape);
        // dx = dout · (1 − y) · y
        TP.Subtract(T.One, y.Span, dx.Span);
        TP.Multiply(dx.Span, y.Span, dx.Span);
        TP.Multiply(dx.Span, dout.Span, dx.Span);
        return dx;
    }
}
