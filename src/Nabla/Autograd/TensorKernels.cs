using System.Numerics;
using Nabla.Kernels;

namespace Nabla.Autograd;

/// <summary>
/// Every call the engine makes into a heavy kernel (GEMM, im2col/col2im, pooling windows), in one place,
/// so that the kernel dispatch can be repointed here without touching the operations. Everything else the
/// engine computes goes through <see cref="Tensor{T}"/>'s public operations.
/// </summary>
internal static class TensorKernels
{
    /// <summary><c>op(a)·op(b)</c> for 2-D tensors, op transposing when asked (no transpose is materialised).</summary>
    public static Tensor<T> MatMul<T>(Tensor<T> a, Tensor<T> b, bool transA, bool transB, string op)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (a.Rank != 2 || b.Rank != 2)
            throw new ArgumentException($"{op}: needs 2-D operands, got {Tensor<T>.ShapeString(a.Shape)} and {Tensor<T>.ShapeString(b.Shape)}.");
        int m = transA ? a.Dim(1) : a.Dim(0), k = transA ? a.Dim(0) : a.Dim(1);
        int kb = transB ? b.Dim(1) : b.Dim(0), n = transB ? b.Dim(0) : b.Dim(1);
        if (k != kb)
            throw new ArgumentException($"{op}: shapes {Tensor<T>.ShapeString(a.Shape)}{(transA ? "ᵀ" : "")} and {Tensor<T>.ShapeString(b.Shape)}{(transB ? "ᵀ" : "")} are not aligned ({k} != {kb}).");
        return MatMulInto(a, b, new Tensor<T>(m, n), transA, transB);
    }

    /// <summary><c>op(a)·op(b)</c> written into <paramref name="c"/> (shapes checked by the product), which it returns.</summary>
    public static Tensor<T> MatMulInto<T>(Tensor<T> a, Tensor<T> b, Tensor<T> c, bool transA, bool transB)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Tensor<T>.MatMul(a, b, c, transA, transB); // the library's one dispatch: dense, small or sparse-row operands
        return c;
    }

    /// <summary>
    /// Adds the bias <paramref name="b"/> to <paramref name="y"/> in place: row by row for a bias of the last axis (as the
    /// layers' Affine), else broadcast; a bias that does not broadcast to <paramref name="y"/> names both shapes.
    /// </summary>
    public static void AddBias<T>(Tensor<T> y, Tensor<T> b, string op) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (b.Rank == 1 && y.Rank == 2 && b.Dim(0) == y.Dim(1)) { y.AddToEachRow(b); return; }
        Shapes.Broadcast(op + " bias", y.Shape, b.Shape);
        if (!Tensor<T>.BroadcastShape(y.Shape, b.Shape).AsSpan().SequenceEqual(y.Shape))
            throw new ArgumentException($"{op}: bias {Shapes.S(b.Shape)} does not broadcast to the output {Shapes.S(y.Shape)}.");
        y.AddInPlace(b);
    }

    /// <summary>
    /// <paramref name="g"/> summed down to <paramref name="destination"/>'s shape (a bias gradient), written into it: the
    /// column sums for a matrix and a row, else <see cref="Shapes.SumTo{T}"/> copied in.
    /// </summary>
    public static Tensor<T> SumToInto<T>(Tensor<T> g, Tensor<T> destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (g.Rank == 2 && destination.Rank == 1 && destination.Dim(0) == g.Dim(1)) g.SumRowsInto(destination);
        else Shapes.SumTo(g, destination.Shape).Span.CopyTo(destination.Span);
        return destination;
    }

    /// <summary>∂L/∂x of ReLU: <paramref name="gy"/> where x &gt; 0, else 0, in one pass (no mask is made).</summary>
    public static Tensor<T> ReluBackward<T>(Tensor<T> x, Tensor<T> gy) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var gx = new Tensor<T>(x.Shape.ToArray());
        ReluKernel<T>.MaskPositive(x.Span, gy.Span, gx.Span);
        return gx;
    }

    /// <summary>
    /// The mean softmax cross-entropy of scores <paramref name="x"/> (N, C) against <paramref name="labels"/> (already
    /// checked), computed as the layers' SoftmaxWithLoss computes it (<see cref="Functions.Losses"/>), with softmax(x)
    /// left in <paramref name="softmax"/> for the backward.
    /// </summary>
    public static T SoftmaxCrossEntropy<T>(Tensor<T> x, int[] labels, Tensor<T> softmax) where T : unmanaged, IFloatingPointIeee754<T> =>
        Functions.Losses.SoftmaxCrossEntropy<T>(x.Span, labels, softmax.Span, x.Dim(1), new T[x.Dim(0)]);

    /// <summary>
    /// ∂L/∂x of the mean softmax cross-entropy in one pass, as the layers' SoftmaxWithLoss computes it: (softmax −
    /// onehot(labels)) · <paramref name="scale"/>, with scale = ∂L/∂loss / N and <paramref name="softmax"/> from the forward.
    /// </summary>
    public static Tensor<T> SoftmaxCrossEntropyBackward<T>(Tensor<T> softmax, int[] labels, T scale) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var gx = new Tensor<T>(softmax.Shape.ToArray());
        Functions.Losses.SoftmaxCrossEntropyGradient<T>(softmax.Span, labels, gx.Span, softmax.Dim(1), scale);
        return gx;
    }

    /// <summary>im2col: every window of x (N, C, H, W) as a row of (N·OH·OW, C·KH·KW).</summary>
    public static Tensor<T> Im2col<T>(Tensor<T> x, ConvGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var col = new Tensor<T>(g.ColRows, g.ColCols);
        Im2Col.Forward<T>(x.Span, col.Span, g);
        return col;
    }

    /// <summary>col2im: the rows of a column matrix added back into their windows of an (N, C, H, W) tensor.</summary>
    public static Tensor<T> Col2im<T>(Tensor<T> col, ConvGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var x = new Tensor<T>(g.N, g.C, g.H, g.W);
        Im2Col.Backward<T>(col.Span, x.Span, g);
        return x;
    }

    /// <summary>
    /// Max pooling of (N, C, H, W) with the geometry's windows: the output and, for each output, the flat index
    /// into x of the window's maximum (first on ties), or -1 where the maximum is padding (which counts as 0, as in
    /// the book's im2col version).
    /// </summary>
    public static (Tensor<T> Y, int[] ArgMax) MaxPool<T>(Tensor<T> x, ConvGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int oh = g.OH, ow = g.OW;
        var y = new Tensor<T>(g.N, g.C, oh, ow);
        var idx = new int[y.Length];
        var xs = x.Span; var ys = y.Span;
        int k = 0;
        for (int nc = 0; nc < g.N * g.C; nc++)
        {
            int plane = nc * g.H * g.W;
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++, k++)
                {
                    T best = T.NegativeInfinity; int at = int.MinValue;
                    for (int u = 0; u < g.FH; u++)
                    {
                        int r = i * g.Stride + u - g.Pad;
                        for (int v = 0; v < g.FW; v++)
                        {
                            int c = j * g.Stride + v - g.Pad;
                            bool inside = (uint)r < (uint)g.H && (uint)c < (uint)g.W;
                            T val = inside ? xs[plane + r * g.W + c] : T.Zero;
                            if (at == int.MinValue || val > best) { best = val; at = inside ? plane + r * g.W + c : -1; }
                        }
                    }
                    ys[k] = best; idx[k] = at;
                }
        }
        return (y, idx);
    }

    /// <summary>y[i] = x[index[i]] (0 where the index is -1), shaped <paramref name="shape"/>.</summary>
    public static Tensor<T> Gather<T>(Tensor<T> x, int[] index, int[] shape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var y = new Tensor<T>(shape);
        var xs = x.Span; var ys = y.Span;
        for (int i = 0; i < index.Length; i++) ys[i] = index[i] < 0 ? T.Zero : xs[index[i]];
        return y;
    }

    /// <summary>A tensor of <paramref name="shape"/> with g[i] added at index[i] (skipping -1): the adjoint of <see cref="Gather{T}"/>.</summary>
    public static Tensor<T> ScatterAdd<T>(Tensor<T> g, int[] index, int[] shape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var x = new Tensor<T>(shape);
        var xs = x.Span; var gs = g.Span;
        for (int i = 0; i < index.Length; i++) if (index[i] >= 0) xs[index[i]] += gs[i];
        return x;
    }

    // One product cache per thread, reused from step to step (its compressed copy is large): the products of a training
    // step are a forward then its backward, so the copy made by a forward is still the cache's when its backward asks,
    // and the cache itself tells when another forward has replaced it (the backward then takes the dense product).
    [ThreadStatic] private static MatMulCache<float>? _cacheFloat;
    [ThreadStatic] private static MatMulCache<double>? _cacheDouble;

    private static MatMulCache<T> Cache<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? (MatMulCache<T>)(object)(_cacheFloat ??= new MatMulCache<float>())
                                   : (MatMulCache<T>)(object)(_cacheDouble ??= new MatMulCache<double>());

    /// <summary>
    /// x·W through this thread's <see cref="MatMulCache{T}"/>, as the layers' Affine multiplies: a mostly-zero x (MNIST's
    /// pixels) from a compressed copy of its non-zeros, kept for <see cref="CachedTransposedProduct{T}(Tensor{T}, Tensor{T})"/>; other x densely.
    /// </summary>
    public static Tensor<T> CachedProduct<T>(Tensor<T> x, Tensor<T> w) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var y = new Tensor<T>(x.Dim(0), w.Dim(1));
        Tensor<T>.MatMul(x, w, y, KernelOptions.Default, Cache<T>());
        return y;
    }

    /// <summary>
    /// xᵀ·g through the same cache: from the compressed copy of <paramref name="x"/> when <see cref="CachedProduct{T}"/> made
    /// it and no other product has replaced it since, else the dense (or sparse-row) product.
    /// </summary>
    public static Tensor<T> CachedTransposedProduct<T>(Tensor<T> x, Tensor<T> g) where T : unmanaged, IFloatingPointIeee754<T> =>
        CachedTransposedProduct(x, g, new Tensor<T>(x.Dim(1), g.Dim(1)));

    /// <summary><see cref="CachedTransposedProduct{T}(Tensor{T}, Tensor{T})"/> written into <paramref name="gw"/>, which it returns.</summary>
    public static Tensor<T> CachedTransposedProduct<T>(Tensor<T> x, Tensor<T> g, Tensor<T> gw) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Tensor<T>.MatMul(x, g, gw, KernelOptions.Default, Cache<T>(), transposeA: true);
        return gw;
    }
}
