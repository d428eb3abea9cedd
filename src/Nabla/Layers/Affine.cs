using System.Numerics;

namespace Nabla.Layers;

/// <summary>
/// Fully connected layer <c>out = x·W + b</c>. Input of any rank (N, …) is flattened to (N, D) and
/// ∂L/∂x is restored to the input's shape, like the book's tensor-aware Affine.
/// </summary>
public sealed class Affine<T> : IParameterizedLayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T>? _x, _out, _dx;
    private int[] _xShape = [];
    private Kernels.SparseRows<T>? _sparse;
    private bool _forwardWasSparse;
    private int _denseStreak, _inRows = -1;

    /// <summary>Creates the layer over the given weights (D, M) and bias (M), which it updates in place.</summary>
    public Affine(Tensor<T> w, Tensor<T> b)
    {
        if (w.Rank != 2 || b.Rank != 1 || b.Dim(0) != w.Dim(1))
            throw new ArgumentException($"Affine needs W (D, M) and b (M,), got W {Tensor<T>.ShapeString(w.Shape)} and b {Tensor<T>.ShapeString(b.Shape)}.");
        W = w; B = b;
        DW = Tensor<T>.ZerosLike(w);
        DB = Tensor<T>.ZerosLike(b);
    }

    /// <summary>Weights (D, M).</summary>
    public Tensor<T> W { get; }
    /// <summary>Bias (M).</summary>
    public Tensor<T> B { get; }
    /// <summary>∂L/∂W from the last backward pass.</summary>
    public Tensor<T> DW { get; }
    /// <summary>∂L/∂b from the last backward pass.</summary>
    public Tensor<T> DB { get; }

    /// <summary>
    /// When false, <see cref="Backward"/> computes only dW and db and skips ∂L/∂x (its returned buffer
    /// is then not written): the first layer of a network never needs it. Default true.
    /// </summary>
    public bool ComputeInputGradient { get; set; } = true;

    /// <summary>
    /// Inputs with at most this fraction of non-zero entries (MNIST pixels: about 19 %) are multiplied from a
    /// compressed copy of their non-zeros, which costs time in proportion to the non-zeros; denser input
    /// uses the dense GEMM. 0 turns the sparse path off. Default <see cref="SparseInput.DefaultMaxDensity"/>.
    /// Both paths compute the same sums; only the order of the additions, hence the last bits, differ.
    /// </summary>
    public double SparseInputDensity { get; set; } = SparseInput.DefaultMaxDensity;

    /// <summary>Whether the last <see cref="Forward"/> took the sparse-input path.</summary>
    public bool LastForwardWasSparse => _forwardWasSparse;

    /// <inheritdoc/>
    public IReadOnlyList<(string Role, Tensor<T> Value, Tensor<T> Gradient)> Parameters => [("W", W, DW), ("b", B, DB)];

    /// <inheritdoc/>
    public Tensor<T> Forward(Tensor<T> x, bool train = true)
    {
        if (x.Rank == 0) throw new ArgumentException("Affine needs a batch (N, …), got a scalar.");
        var x2 = x.AsMatrix();
        if (x2.Dim(1) != W.Dim(0))
            throw new ArgumentException($"Affine: input {Tensor<T>.ShapeString(x.Shape)} flattens to {Tensor<T>.ShapeString(x2.Shape)}, which does not match W {Tensor<T>.ShapeString(W.Shape)}.");
        if (_xShape.Length != x.Rank || !x.HasShape(_xShape)) _xShape = x.Shape.ToArray();
        _x = x2;
        var o = Tensor<T>.Reuse(ref _out, [x2.Dim(0), W.Dim(1)]);
        int rows = x2.Dim(0), d = W.Dim(0), m = W.Dim(1);
        _forwardWasSparse = false;
        if (SparseInputDensity > 0 && Kernels.SparseRows<T>.Worthwhile(rows, d, m))
        {
            // After input too dense for the sparse path, skip the attempt for a while: it costs a partial scan.
            if (_denseStreak > 0) _denseStreak--;
            else if ((_sparse ??= new()).TryMultiply(x2.Span, rows, d, W.Span, o.Span, m, SparseInputDensity)) _forwardWasSparse = true;
            else _denseStreak = 32;
        }
        if (!_forwardWasSparse) Tensor<T>.MatMul(x2, W, o);
        _inRows = rows;
        return AddBias(o);
    }

    private Tensor<T> AddBias(Tensor<T> o)
    {
        var os = o.Span; var bs = B.Span;
        for (int r = 0; r < os.Length; r += bs.Length)
            System.Numerics.Tensors.TensorPrimitives.Add(os.Slice(r, bs.Length), bs, os.Slice(r, bs.Length));
        return o;
    }

    /// <summary>
    /// Whether <see cref="ForwardImages"/> can take rows of <paramref name="images"/>: the sparse-input path is on, an image
    /// has W's D values, and the set is sparse enough (<see cref="SparseInputDensity"/>). Builds the set's non-zero index
    /// on first use.
    /// </summary>
    internal bool CanTakeImages(Data.ByteImages<T> images) => IndexFor(images) is not null;

    /// <summary>The non-zero index <see cref="ForwardImages"/> reads <paramref name="images"/> from; null when it cannot take them.</summary>
    private Data.NonZeroIndex? IndexFor(Data.ByteImages<T> images) =>
        SparseInputDensity > 0 && images.RowSize == W.Dim(0) && Kernels.SparseRows<T>.Worthwhile(1, W.Dim(0), W.Dim(1))
            ? images.NonZeros(SparseInputDensity) : null;

    /// <summary>
    /// <see cref="Forward"/> of the images <paramref name="rows"/> of <paramref name="images"/>, read from the set's index of
    /// non-zero pixels instead of a converted batch. The same values, bit for bit, as gathering those rows into a
    /// tensor and calling <see cref="Forward"/> (which compresses the same entries); <see cref="Backward"/> follows as usual.
    /// </summary>
    /// <exception cref="InvalidOperationException">The images cannot be taken (<see cref="CanTakeImages"/> is false).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A row index is outside the set.</exception>
    internal Tensor<T> ForwardImages(Data.ByteImages<T> images, ReadOnlySpan<int> rows, bool train = true)
    {
        var index = IndexFor(images) ??
            throw new InvalidOperationException($"Affine: images of {images.RowSize} values, with W {Tensor<T>.ShapeString(W.Shape)}, cannot be read from their non-zero index.");
        images.CheckRows(rows, nameof(rows));
        int n = rows.Length, m = W.Dim(1);
        if (n == 0) throw new ArgumentException("Affine needs a batch of at least one image.", nameof(rows));
        var shape = images.Shape;
        if (_xShape.Length != shape.Length || _xShape[0] != n || !shape[1..].SequenceEqual(_xShape.AsSpan(1))) _xShape = images.ShapeOfRows(n);
        _x = null;
        var o = Tensor<T>.Reuse(ref _out, [n, m]);
        (_sparse ??= new()).MultiplyImages(index, rows, images.Normalize, W.Span, o.Span, m);
        _forwardWasSparse = true;
        _inRows = n;
        return AddBias(o);
    }

    /// <inheritdoc/>
    public Tensor<T> Backward(Tensor<T> dout)
    {
        if (_inRows < 0) throw new InvalidOperationException("Affine.Backward called before Forward.");
        if (dout.Rank != 2 || dout.Dim(0) != _inRows || dout.Dim(1) != W.Dim(1))
            throw new ArgumentException($"Affine.Backward: dout {Tensor<T>.ShapeString(dout.Shape)} does not match the forward output ({_inRows}, {W.Dim(1)}).");
        if (_forwardWasSparse) _sparse!.MultiplyTransposedInto(dout.Span, DW.Span, dout.Dim(1));
        else Tensor<T>.MatMul(_x!, dout, DW, transposeA: true);
        Tensor<T>.SumInto(dout.Span, DB.Span, 1, dout.Dim(0), dout.Dim(1));
        var dx = Tensor<T>.Reuse(ref _dx, _xShape);
        if (ComputeInputGradient) Tensor<T>.MatMul(dout, W, dx.AsMatrix(), transposeB: true);
        return dx;
    }
}

/// <summary>Process-wide default for <see cref="Affine{T}.SparseInputDensity"/>.</summary>
public static class SparseInput
{
    /// <summary>
    /// The density (fraction of non-zero inputs) up to which new <see cref="Affine{T}"/> layers use the sparse-input
    /// path; 0.3 unless changed. Set 0 to measure or compare the dense path.
    /// </summary>
    public static double DefaultMaxDensity { get; set; } = 0.3;
}
