using System.Numerics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Nabla.Layers;

/// <summary>
/// Dropout in the book's form: in training each unit is kept when a uniform draw exceeds the ratio
/// (others are zeroed); in inference every output is scaled by (1 − ratio). Seeded.
/// </summary>
public sealed class Dropout<T> : ILayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Random _rng;
    private Tensor<T>? _mask, _out, _dx;

    /// <summary>Creates the layer dropping about <paramref name="ratio"/> of the units in training.</summary>
    public Dropout(double ratio = 0.5, Random? rng = null)
    {
        if (!(ratio >= 0 && ratio < 1)) throw new ArgumentOutOfRangeException(nameof(ratio), $"The dropout ratio must be in [0, 1), got {ratio}.");
        Ratio = ratio;
        _rng = rng ?? new Random(0);
    }

    /// <summary>The fraction of units dropped in training.</summary>
    public double Ratio { get; }

    /// <inheritdoc/>
    public Tensor<T> Forward(Tensor<T> x, bool train = true)
    {
        var o = Tensor<T>.Reuse(ref _out, x.Shape);
        if (train)
        {
            var mask = Tensor<T>.Reuse(ref _mask, x.Shape);
            var ms = mask.Span;
            for (int i = 0; i < ms.Length; i++) ms[i] = _rng.NextDouble() > Ratio ? T.One : T.Zero;
            TP.Multiply(x.Span, ms, o.Span);
        }
        else TP.Multiply(x.Span, T.CreateChecked(1 - Ratio), o.Span);
        return o;
    }

    /// <inheritdoc/>
    public Tensor<T> Backward(Tensor<T> dout)
    {
        var mask = _mask ?? throw new InvalidOperationException("Dropout.Backward called before a training Forward.");
        Tensor<T>.RequireSameShape(mask, dout, "Dropout.Backward(dout)");
        var dx = Tensor<T>.Reuse(ref _dx, dout.Shape);
        TP.Multiply(dout.Span, mask.Span, dx.Span);
        return dx;
    }
}
