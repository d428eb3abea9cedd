using System.Numerics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Nabla.Layers;

/// <summary>ReLU layer: keeps its output, whose non-positive entries are the book's <c>mask</c>, for backward.</summary>
public sealed class Relu<T> : ILayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T>? _out, _dx;

    /// <inheritdoc/>
    public Tensor<T> Forward(Tensor<T> x, bool train = true)
    {
        var o = Tensor<T>.Reuse(ref _out, x.Shape);
        Tensor<T>.Relu(x, o);                          // out = max(0, x)
        return o;
    }

    /// <inheritdoc/>
    public Tensor<T> Backward(Tensor<T> dout)
    {
        var o = _out ?? throw new InvalidOperationException("Relu.Backward called before Forward.");
        var dx = Tensor<T>.Reuse(ref _dx, dout.Shape);
        Tensor<T>.ReluBackward(o, dout, dx);           // dx = dout where out > 0, else 0
        return dx;
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
