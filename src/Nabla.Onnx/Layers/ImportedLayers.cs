using System.Numerics;
using Nabla.Layers;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Nabla.Onnx.Layers;

/// <summary>
/// tanh, for ONNX models that use it (the book's networks use ReLU or sigmoid). Keeps its output y,
/// since ∂y/∂x = 1 − y².
/// </summary>
public sealed class Tanh<T> : ILayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T>? _out, _dx;

    /// <inheritdoc/>
    public Tensor<T> Forward(Tensor<T> x, bool train = true)
    {
        var o = Tensor<T>.Reuse(ref _out, x.Shape);
        TP.Tanh<T>(x.Span, o.Span);
        return o;
    }

    /// <inheritdoc/>
    public Tensor<T> Backward(Tensor<T> dout)
    {
        var y = _out ?? throw new InvalidOperationException("Tanh.Backward called before Forward.");
        if (!dout.HasShape(y.Shape)) throw new ArgumentException($"Tanh.Backward: dout {Tensor<T>.ShapeString(dout.Shape)} does not match the output {Tensor<T>.ShapeString(y.Shape)}.");
        var dx = Tensor<T>.Reuse(ref _dx, dout.Shape);
        TP.Multiply(y.Span, y.Span, dx.Span);      // y²
        TP.Subtract(T.One, dx.Span, dx.Span);       // 1 − y²
        TP.Multiply(dx.Span, dout.Span, dx.Span);
        return dx;
    }
}

/// <summary>Softmax over the last axis of (N, K) scores, for ONNX models whose graph ends in one.</summary>
public sealed class Softmax<T> : ILayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T>? _out, _dx;

    /// <inheritdoc/>
    public Tensor<T> Forward(Tensor<T> x, bool train = true)
    {
        var o = Tensor<T>.Reuse(ref _out, x.Shape);
        int k = x.Shape[^1];
        var xs = x.Span; var os = o.Span;
        for (int r = 0; r < xs.Length; r += k)
        {
            // exp(x − max) / Σ exp(x − max): the row's maximum keeps exp from overflowing
            var row = os.Slice(r, k);
            TP.Subtract(xs.Slice(r, k), TP.Max<T>(xs.Slice(r, k)), row);
            TP.Exp<T>(row, row);
            TP.Divide(row, TP.Sum<T>(row), row);
        }
        return o;
    }

    /// <inheritdoc/>
    public Tensor<T> Backward(Tensor<T> dout)
    {
        var y = _out ?? throw new InvalidOperationException("Softmax.Backward called before Forward.");
        if (!dout.HasShape(y.Shape)) throw new ArgumentException($"Softmax.Backward: dout {Tensor<T>.ShapeString(dout.Shape)} does not match the output {Tensor<T>.ShapeString(y.Shape)}.");
        var dx = Tensor<T>.Reuse(ref _dx, dout.Shape);
        int k = y.Shape[^1];
        var ys = y.Span; var ds = dout.Span; var dxs = dx.Span;
        // dx = y ⊙ (dout − Σ dout·y), row by row
        for (int r = 0; r < ys.Length; r += k)
        {
            T dot = TP.Dot<T>(ys.Slice(r, k), ds.Slice(r, k));
            TP.Subtract(ds.Slice(r, k), dot, dxs.Slice(r, k));
            TP.Multiply(dxs.Slice(r, k), ys.Slice(r, k), dxs.Slice(r, k));
        }
        return dx;
    }
}

/// <summary>
/// Multiplication by a constant (ONNX <c>Mul</c> with an initializer): a scalar, or one factor per value of a sample
/// (broadcast over the batch). Nabla's own <see cref="Dropout{T}"/> exports as this at inference: x·(1 − ratio).
/// </summary>
public sealed class Scale<T> : ILayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T>? _out, _dx;

    /// <summary>Creates the layer; <paramref name="factor"/> has one element or one per value of a sample.</summary>
    public Scale(Tensor<T> factor) => Factor = factor;

    /// <summary>The constant factor (any shape): one element, or as many as a sample has values.</summary>
    public Tensor<T> Factor { get; }

    /// <inheritdoc/>
    public Tensor<T> Forward(Tensor<T> x, bool train = true) => Apply(x, ref _out);

    /// <inheritdoc/>
    public Tensor<T> Backward(Tensor<T> dout) => Apply(dout, ref _dx);

    private Tensor<T> Apply(Tensor<T> x, ref Tensor<T>? buffer)
    {
        var o = Tensor<T>.Reuse(ref buffer, x.Shape);
        var f = Factor.Span;
        if (f.Length == 1) { TP.Multiply(x.Span, f[0], o.Span); return o; }
        int per = x.Rank == 0 || x.Dim(0) == 0 ? 0 : x.Length / x.Dim(0);
        if (per != f.Length)
            throw new ArgumentException($"Scale: a factor of {f.Length} values does not broadcast over input {Tensor<T>.ShapeString(x.Shape)} ({per} values per sample).");
        var xs = x.Span; var os = o.Span;
        for (int r = 0; r < xs.Length; r += per) TP.Multiply(xs.Slice(r, per), f, os.Slice(r, per));
        return o;
    }
}

/// <summary>
/// A view of each sample under another shape (ONNX <c>Reshape</c> and <c>Flatten</c>). <see cref="SampleShape"/> is the
/// shape of one sample; the batch dimension stays. Backward restores the input's shape.
/// </summary>
public sealed class Reshape<T> : ILayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private int[] _inShape = [];

    /// <summary>Creates the layer giving each sample the shape <paramref name="sampleShape"/>.</summary>
    public Reshape(params int[] sampleShape)
    {
        if (sampleShape.Any(d => d < 1)) throw new ArgumentException($"Reshape: dimensions must be positive, got ({string.Join(", ", sampleShape)}).");
        SampleShape = sampleShape;
    }

    /// <summary>The shape of one sample after the layer (the batch dimension excluded).</summary>
    public IReadOnlyList<int> SampleShape { get; }

    /// <inheritdoc/>
    public Tensor<T> Forward(Tensor<T> x, bool train = true)
    {
        int per = 1;
        foreach (var d in SampleShape) per *= d;
        if (x.Rank == 0 || (x.Dim(0) == 0 ? 0 : x.Length / x.Dim(0)) != per)
            throw new ArgumentException($"Reshape: input {Tensor<T>.ShapeString(x.Shape)} does not have {per} values per sample to make ({string.Join(", ", SampleShape)}).");
        _inShape = x.Shape.ToArray();
        return x.Reshape([x.Dim(0), .. SampleShape]);
    }

    /// <inheritdoc/>
    public Tensor<T> Backward(Tensor<T> dout) => dout.Reshape(_inShape);
}

/// <summary>
/// ONNX <c>BatchNormalization</c> at inference, for graphs whose statistics are per channel (axis 1) or whose ε is not the
/// book's: y = (x − mean) / √(var + ε) · scale + B. Networks exported from Nabla import as Nabla's own
/// <see cref="BatchNormalization{T}"/> instead. Inference only: the statistics are constants.
/// </summary>
public sealed class ChannelBatchNorm<T> : ILayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T>? _out, _dx;
    private readonly T[] _std;

    /// <summary>Creates the layer from the four per-channel tensors (all of length C) and ε.</summary>
    public ChannelBatchNorm(Tensor<T> scale, Tensor<T> bias, Tensor<T> mean, Tensor<T> var, double epsilon)
    {
        int c = scale.Length;
        if (bias.Length != c || mean.Length != c || var.Length != c)
            throw new ArgumentException($"BatchNormalization: scale, B, mean and var must have one value per channel, got {scale.Length}, {bias.Length}, {mean.Length}, {var.Length}.");
        ScaleValues = scale; Bias = bias; Mean = mean; Var = var; Epsilon = epsilon;
        _std = new T[c];
        TP.Add(var.Span, T.CreateChecked(epsilon), _std);
        TP.Sqrt<T>(_std, _std);
    }

    /// <summary>γ, per channel.</summary>
    public Tensor<T> ScaleValues { get; }
    /// <summary>β, per channel.</summary>
    public Tensor<T> Bias { get; }
    /// <summary>The running mean, per channel.</summary>
    public Tensor<T> Mean { get; }
    /// <summary>The running variance, per channel.</summary>
    public Tensor<T> Var { get; }
    /// <summary>ε added to the variance.</summary>
    public double Epsilon { get; }

    /// <inheritdoc/>
    public Tensor<T> Forward(Tensor<T> x, bool train = true)
    {
        int c = _std.Length;
        if (x.Rank < 2 || x.Dim(1) != c)
            throw new ArgumentException($"BatchNormalization: input {Tensor<T>.ShapeString(x.Shape)} must have {c} channels on axis 1.");
        var o = Tensor<T>.Reuse(ref _out, x.Shape);
        int inner = x.Length / (x.Dim(0) * c);
        var xs = x.Span; var os = o.Span;
        var g = ScaleValues.Span; var b = Bias.Span; var m = Mean.Span;
        for (int n = 0, at = 0; n < x.Dim(0); n++)
            for (int ch = 0; ch < c; ch++, at += inner)
            {
                var src = xs.Slice(at, inner); var dst = os.Slice(at, inner);
                TP.Subtract(src, m[ch], dst);
                TP.Divide(dst, _std[ch], dst);
                TP.Multiply(dst, g[ch], dst);
                TP.Add(dst, b[ch], dst);
            }
        return o;
    }

    /// <inheritdoc/>
    public Tensor<T> Backward(Tensor<T> dout)
    {
        int c = _std.Length;
        var dx = Tensor<T>.Reuse(ref _dx, dout.Shape);
        int inner = dout.Length / (dout.Dim(0) * c);
        var ds = dout.Span; var dxs = dx.Span; var g = ScaleValues.Span;
        for (int n = 0, at = 0; n < dout.Dim(0); n++)
            for (int ch = 0; ch < c; ch++, at += inner)
                TP.Multiply(ds.Slice(at, inner), g[ch] / _std[ch], dxs.Slice(at, inner));
        return dx;
    }
}
