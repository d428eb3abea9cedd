using System.Numerics;

namespace Nabla.Layers;

/// <summary>
/// Fully connected layer <c>out = x·W + b</c>. Input of any rank (N, …) is flattened to (N, D) and ∂L/∂x is restored to
/// the input's shape, like the book's tensor-aware Affine. Sparse-row input (mostly-zero images) is taken as it is.
/// </summary>
public sealed class Affine<T> : IParameterizedLayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T>? _x, _out, _dx; private int[] _xShape = [];
    // The (N, D) views of the last input and of _dx, kept while those tensors are the same objects, so that a warm step
    // with an (N, C, H, W) input (a convolution's output) makes no new view objects.
    private Tensor<T>? _xSource, _dxSource, _dxMatrix;
    private readonly MatMulCache<T> _cache = new(); // ties the forward product to dW's, which reuses its operand's non-zeros
    /// <summary>Creates the layer over the given weights (D, M) and bias (M), which it updates in place.</summary>
    public Affine(Tensor<T> w, Tensor<T> b)
    {
        if (w.Rank != 2 || b.Rank != 1 || b.Dim(0) != w.Dim(1))
            throw new ArgumentException($"Affine needs W (D, M) and b (M,), got W {Tensor<T>.ShapeString(w.Shape)} and b {Tensor<T>.ShapeString(b.Shape)}.");
        W = w; B = b; DW = Tensor<T>.ZerosLike(w); DB = Tensor<T>.ZerosLike(b);
    }

    /// <summary>Weights (D, M).</summary>
    public Tensor<T> W { get; }
    /// <summary>Bias (M).</summary>
    public Tensor<T> B { get; }
    /// <summary>∂L/∂W from the last backward pass.</summary>
    public Tensor<T> DW { get; }
    /// <summary>∂L/∂b from the last backward pass.</summary>
    public Tensor<T> DB { get; }
    /// <summary>When false, <see cref="Backward"/> skips ∂L/∂x (its returned buffer is then not written): a first layer never needs it.</summary>
    public bool ComputeInputGradient { get; set; } = true;
    /// <summary>The kernels' settings for this layer's products.</summary>
    public Kernels.KernelOptions Options { get; set; } = Kernels.KernelOptions.Default;
    /// <inheritdoc/>
    public IReadOnlyList<(string Role, Tensor<T> Value, Tensor<T> Gradient)> Parameters => [("W", W, DW), ("b", B, DB)];
    /// <summary>Dense input, and sparse rows when W is wide enough for their product to pay.</summary>
    public bool Accepts(TensorLayout layout) => layout == TensorLayout.Dense || Tensor<T>.SparseRowProductPays(W.Dim(0), W.Dim(1));

    /// <inheritdoc/>
    public Tensor<T> Forward(Tensor<T> x, bool train = true)
    {
        var matrix = ReferenceEquals(x, _xSource) && _x is not null ? _x : x.AsMatrix();
        if (x.Rank == 0 || matrix.Dim(1) != W.Dim(0)) throw new ArgumentException($"Affine: input {Tensor<T>.ShapeString(x.Shape)} does not flatten to (N, {W.Dim(0)}) for W {Tensor<T>.ShapeString(W.Shape)}.");
        if (!x.HasShape(_xShape)) _xShape = x.Shape.ToArray();
        _x = matrix; _xSource = x;
        var o = Tensor<T>.Reuse(ref _out, [_x.Dim(0), W.Dim(1)]);
        Tensor<T>.MatMul(_x, W, o, Options, _cache);                                  // out = x·W
        return o.AddToEachRow(B);                                                     //     + b
    }

    /// <inheritdoc/>
    public Tensor<T> Backward(Tensor<T> dout)
    {
        if (_x is null) throw new InvalidOperationException("Affine.Backward called before Forward.");
        if (!dout.HasShape([_x.Dim(0), W.Dim(1)])) throw new ArgumentException($"Affine.Backward: dout {Tensor<T>.ShapeString(dout.Shape)} is not ({_x.Dim(0)}, {W.Dim(1)}).");
        Tensor<T>.MatMul(_x, dout, DW, Options, _cache, transposeA: true);            // dW = xᵀ·dout
        dout.SumRowsInto(DB);                                                         // db = Σ dout over the batch
        var dx = Tensor<T>.Reuse(ref _dx, _xShape);
        if (!ReferenceEquals(dx, _dxSource)) { _dxMatrix = dx.AsMatrix(); _dxSource = dx; }
        if (ComputeInputGradient) Tensor<T>.MatMul(dout, W, _dxMatrix!, Options, transposeB: true); // dx = dout·Wᵀ
        return dx;
    }
}
