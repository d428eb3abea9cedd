using System.Numerics;
using Nabla.Kernels;

namespace Nabla;

public sealed partial class Tensor<T>
{
    /// <summary>
    /// Matrix product like <c>np.dot</c> for 1-D and 2-D operands: (m,k)·(k,n) → (m,n),
    /// (k)·(k,n) → (n), (m,k)·(k) → (m), (k)·(k) → scalar. Mismatched inner sizes name both shapes.
    /// </summary>
    public static Tensor<T> MatMul(Tensor<T> a, Tensor<T> b)
    {
        if (a.Rank is < 1 or > 2 || b.Rank is < 1 or > 2)
            throw new ArgumentException($"MatMul needs 1-D or 2-D operands, got {ShapeString(a._shape)} and {ShapeString(b._shape)}.");
        int m = a.Rank == 2 ? a._shape[0] : 1, k = a._shape[^1];
        int kb = b._shape[0], n = b.Rank == 2 ? b._shape[1] : 1;
        if (k != kb)
            throw new ArgumentException($"MatMul: shapes {ShapeString(a._shape)} and {ShapeString(b._shape)} are not aligned: {k} (dim {a.Rank - 1}) != {kb} (dim 0).");
        if (a._sparse is not null || b._sparse is not null)
            throw new ArgumentException("MatMul of a sparse-row tensor needs a destination: use MatMul(a, b, destination).");
        int[] shape = (a.Rank, b.Rank) switch { (2, 2) => [m, n], (1, 2) => [n], (2, 1) => [m], _ => [] };
        var r = new Tensor<T>(shape);
        Gemm.Multiply<T>(a.Span, b.Span, r.Span, m, n, k);
        return r;
    }

    /// <summary>
    /// Matrix product into a preallocated destination: <c>d (+)= op(a)·op(b)</c> for 2-D tensors, where
    /// op transposes when asked (without materialising the transpose). The layers' hot path.
    /// </summary>
    public static void MatMul(Tensor<T> a, Tensor<T> b, Tensor<T> destination, bool transposeA = false, bool transposeB = false, bool accumulate = false) =>
        MatMul(a, b, destination, KernelOptions.Default, transposeA, transposeB, accumulate);

    /// <summary>
    /// <see cref="MatMul(Tensor{T}, Tensor{T}, Tensor{T}, bool, bool, bool)"/> with the kernels' settings given: the one place
    /// where a product's kernel is chosen. A <see cref="TensorLayout.SparseRows"/> left operand runs the sparse product
    /// (a·b, or aᵀ·b from the same entries: a layer's forward product and its dW); dense operands run the GEMM, which
    /// picks the small-product or the packed kernel by size.
    /// </summary>
    /// <exception cref="ArgumentException">The shapes do not fit (both are named), or a sparse operand is used where only a dense one can be.</exception>
    public static void MatMul(Tensor<T> a, Tensor<T> b, Tensor<T> destination, KernelOptions options, bool transposeA = false, bool transposeB = false, bool accumulate = false)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (a.Rank != 2 || b.Rank != 2 || destination.Rank != 2)
            throw new ArgumentException($"MatMul into a destination needs 2-D tensors, got {ShapeString(a._shape)}, {ShapeString(b._shape)} → {ShapeString(destination._shape)}.");
        int m = transposeA ? a._shape[1] : a._shape[0], k = transposeA ? a._shape[0] : a._shape[1];
        int kb = transposeB ? b._shape[1] : b._shape[0], n = transposeB ? b._shape[0] : b._shape[1];
        if (k != kb)
            throw new ArgumentException($"MatMul: {ShapeString(a._shape)}{(transposeA ? "ᵀ" : "")} and {ShapeString(b._shape)}{(transposeB ? "ᵀ" : "")} are not aligned ({k} != {kb}).");
        if (destination._shape[0] != m || destination._shape[1] != n)
            throw new ArgumentException($"MatMul: the product is ({m}, {n}) but the destination is {ShapeString(destination._shape)}.");
        if (b._sparse is not null || destination._sparse is not null)
            throw new ArgumentException("MatMul: only the left operand may hold sparse rows; the right one and the destination must be dense.");
        if (a._sparse is { } s)
        {
            if (transposeB || accumulate) throw new ArgumentException("MatMul: a sparse-row left operand multiplies a plain right operand into a cleared destination (no transposeB, no accumulate).");
            SparseRowProduct(s, a._shape[0], b, destination, n, transposeA, options);
            return;
        }
        Gemm.Multiply<T>(a.Span, b.Span, destination.Span, m, n, k, transposeA, transposeB, accumulate);
    }

    /// <summary>
    /// A product through <paramref name="cache"/>: <c>d = a·b</c>, or, with <paramref name="transposeA"/>, <c>d = aᵀ·b</c>. A dense
    /// <paramref name="a"/> with at most <see cref="KernelOptions.MaxSparseDensity"/> of its entries non-zero (checked block by
    /// block, giving up at the first block too dense) and a wide enough <paramref name="b"/> is multiplied from its non-zeros,
    /// kept in the cache for the transposed product that follows on the same <paramref name="a"/>; after input too dense the
    /// attempt is skipped for a while (it costs a partial scan). Sparse-row or other operands go as in
    /// <see cref="MatMul(Tensor{T}, Tensor{T}, Tensor{T}, KernelOptions, bool, bool, bool)"/>.
    /// </summary>
    public static void MatMul(Tensor<T> a, Tensor<T> b, Tensor<T> destination, KernelOptions options, MatMulCache<T> cache, bool transposeA = false)
    {
        ArgumentNullException.ThrowIfNull(cache);
        if (a._sparse is null && b._sparse is null && destination._sparse is null && a.Rank == 2 && b.Rank == 2)
        {
            if (transposeA && ReferenceEquals(cache.Compressed, a) && cache.Kernel.IsValid)
            {
                MatMulShapes(a, b, destination, true, false);
                cache.Kernel.MultiplyTransposedInto(b.Span, destination.Span, b._shape[1]);
                return;
            }
            if (!transposeA)
            {
                cache.Compressed = null;
                int rows = a._shape[0], cols = a._shape[1], n = b._shape[1];
                if (options.MaxSparseDensity > 0 && SparseProduct<T>.Worthwhile(rows, cols, n) && MatMulShapes(a, b, destination, false, false))
                {
                    if (cache.DenseStreak > 0) cache.DenseStreak--;
                    else if (cache.Kernel.TryMultiply(a.Span, rows, cols, b.Span, destination.Span, n, options.MaxSparseDensity, SparseProduct<T>.Wide(options)))
                    {
                        cache.Compressed = a;
                        return;
                    }
                    else cache.DenseStreak = 32;
                }
            }
        }
        MatMul(a, b, destination, options, transposeA);
    }

    /// <summary>Throws unless op(a)·b fits <paramref name="destination"/> (2-D operands); true when it does.</summary>
    private static bool MatMulShapes(Tensor<T> a, Tensor<T> b, Tensor<T> destination, bool transposeA, bool transposeB)
    {
        int m = transposeA ? a._shape[1] : a._shape[0], k = transposeA ? a._shape[0] : a._shape[1];
        int kb = transposeB ? b._shape[1] : b._shape[0], n = transposeB ? b._shape[0] : b._shape[1];
        if (k != kb)
            throw new ArgumentException($"MatMul: {ShapeString(a._shape)}{(transposeA ? "ᵀ" : "")} and {ShapeString(b._shape)}{(transposeB ? "ᵀ" : "")} are not aligned ({k} != {kb}).");
        if (destination.Rank != 2 || destination._shape[0] != m || destination._shape[1] != n)
            throw new ArgumentException($"MatMul: the product is ({m}, {n}) but the destination is {ShapeString(destination._shape)}.");
        return true;
    }

    /// <summary>Whether a product of sparse rows of <paramref name="columns"/> values with a (columns × <paramref name="n"/>) matrix is worth doing sparse: wide enough rows of the matrix, and enough of them.</summary>
    public static bool SparseRowProductPays(int columns, int n) => SparseProduct<T>.Worthwhile(1, columns, n);

    /// <summary>a·b (rows × n) or aᵀ·b (columns × n) for a of sparse rows; aᵀ·b reuses the entries and block tables a·b set up.</summary>
    private static void SparseRowProduct(SparseRowStorage<T> a, int rows, Tensor<T> b, Tensor<T> destination, int n, bool transposeA, KernelOptions options)
    {
        if (a.Rows != rows) throw new ArgumentException($"MatMul: the sparse-row operand's shape says {rows} rows, its storage holds {a.Rows}.");
        if (rows == 0 || n == 0 || a.Columns == 0) { destination.Span.Clear(); return; }
        var kernel = a.Product ??= new SparseProduct<T>();
        bool wide = SparseProduct<T>.Wide(options);
        if (!transposeA)
        {
            // Rows still to be gathered are gathered by the product's tasks, each its own rows, before multiplying them.
            var fill = a.PendingFill;
            kernel.MultiplyCompressed(a.GroupStartArray, a.Groups, SparseRowStorage<T>.GroupWidth, a.ColumnArray, a.ValueArray, rows, a.Columns, a.Version,
                b.Span, destination.Span, n, wide, fill);
            if (fill is not null) a.Filled(fill);
            return;
        }
        a.Complete();
        if (!kernel.Holds(a.ColumnArray, a.Version))
            kernel.Describe(a.GroupStartArray, a.Groups, SparseRowStorage<T>.GroupWidth, a.ColumnArray, a.ValueArray, rows, a.Columns, a.Version, n, wide);
        kernel.MultiplyTransposedInto(b.Span, destination.Span, n);
    }

    /// <summary>Matrix product with <paramref name="other"/> (<c>np.dot(this, other)</c>).</summary>
    public Tensor<T> Dot(Tensor<T> other) => MatMul(this, other);
}
