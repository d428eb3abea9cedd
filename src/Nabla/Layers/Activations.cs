using System.Numerics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Nabla.Layers;

/// <summary>ReLU layer: keeps the mask of non-positive inputs (here, the output itself) for backward.</summary>
public sealed class Relu<T> : ILayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T>? _out, _dx;

    /// <inheritdoc/>
    public Tensor<T> Forward(Tensor<T> x, bool train = true)
    {
        var o = Tensor<T>.Reuse(ref _out, x.Shape);
        TP.Max(x.Span, T.Zero, o.Span);
        return o;
    }

    /// <inheritdoc/>
    public Tensor<T> Backward(Tensor<T> dout)
    {
        var o = _out ?? throw new InvalidOperationException("Relu.Backward called before Forward.");
        Tensor<T>.RequireSameShape(o, dout, "Relu.Backward(dout)");
        var dx = Tensor<T>.Reuse(ref _dx, dout.Shape);
        MaskPositive(o.Span, dout.Span, dx.Span);
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
