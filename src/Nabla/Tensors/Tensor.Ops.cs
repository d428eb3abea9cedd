using System.Numerics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Nabla;

/// <summary>An element-wise binary operation with a vectorised span form (used for broadcasting).</summary>
internal interface IBinaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    static abstract T Apply(T x, T y);
    static abstract void Apply(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d);
    static abstract void Apply(ReadOnlySpan<T> x, T y, Span<T> d);
    static abstract void Apply(T x, ReadOnlySpan<T> y, Span<T> d);
}

internal readonly struct AddOp<T> : IBinaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Apply(T x, T y) => x + y;
    public static void Apply(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) => TP.Add(x, y, d);
    public static void Apply(ReadOnlySpan<T> x, T y, Span<T> d) => TP.Add(x, y, d);
    public static void Apply(T x, ReadOnlySpan<T> y, Span<T> d) => TP.Add(y, x, d);
}

internal readonly struct SubOp<T> : IBinaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Apply(T x, T y) => x - y;
    public static void Apply(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) => TP.Subtract(x, y, d);
    public static void Apply(ReadOnlySpan<T> x, T y, Span<T> d) => TP.Subtract(x, y, d);
    public static void Apply(T x, ReadOnlySpan<T> y, Span<T> d) => TP.Subtract(x, y, d);
}

internal readonly struct MulOp<T> : IBinaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Apply(T x, T y) => x * y;
    public static void Apply(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) => TP.Multiply(x, y, d);
    public static void Apply(ReadOnlySpan<T> x, T y, Span<T> d) => TP.Multiply(x, y, d);
    public static void Apply(T x, ReadOnlySpan<T> y, Span<T> d) => TP.Multiply(y, x, d);
}

internal readonly struct DivOp<T> : IBinaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Apply(T x, T y) => x / y;
    public static void Apply(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) => TP.Divide(x, y, d);
    public static void Apply(ReadOnlySpan<T> x, T y, Span<T> d) => TP.Divide(x, y, d);
    public static void Apply(T x, ReadOnlySpan<T> y, Span<T> d) => TP.Divide(x, y, d);
}

internal readonly struct MaxOp<T> : IBinaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Apply(T x, T y) => T.Max(x, y);
    public static void Apply(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) => TP.Max(x, y, d);
    public static void Apply(ReadOnlySpan<T> x, T y, Span<T> d) => TP.Max(x, y, d);
    public static void Apply(T x, ReadOnlySpan<T> y, Span<T> d) => TP.Max(y, x, d);
}

public sealed partial class Tensor<T>
{
    /// <summary>Element-wise sum with NumPy broadcasting (a bias row added to every row, say).</summary>
    public static Tensor<T> operator +(Tensor<T> a, Tensor<T> b) => Binary<AddOp<T>>(a, b);
    /// <summary>Element-wise difference with NumPy broadcasting.</summary>
    public static Tensor<T> operator -(Tensor<T> a, Tensor<T> b) => Binary<SubOp<T>>(a, b);
    /// <summary>Element-wise product with NumPy broadcasting (not the matrix product: see <see cref="MatMul(Tensor{T}, Tensor{T})"/>).</summary>
    public static Tensor<T> operator *(Tensor<T> a, Tensor<T> b) => Binary<MulOp<T>>(a, b);
    /// <summary>Element-wise quotient with NumPy broadcasting.</summary>
    public static Tensor<T> operator /(Tensor<T> a, Tensor<T> b) => Binary<DivOp<T>>(a, b);
    /// <summary>Adds a scalar to every element.</summary>
    public static Tensor<T> operator +(Tensor<T> a, T s) { var r = new Tensor<T>(a._shape); TP.Add(a.Span, s, r.Span); return r; }
    /// <summary>Adds a scalar to every element.</summary>
    public static Tensor<T> operator +(T s, Tensor<T> a) => a + s;
    /// <summary>Subtracts a scalar from every element.</summary>
    public static Tensor<T> operator -(Tensor<T> a, T s) { var r = new Tensor<T>(a._shape); TP.Subtract(a.Span, s, r.Span); return r; }
    /// <summary>Subtracts every element from a scalar.</summary>
    public static Tensor<T> operator -(T s, Tensor<T> a) { var r = new Tensor<T>(a._shape); TP.Subtract(s, a.Span, r.Span); return r; }
    /// <summary>Multiplies every element by a scalar.</summary>
    public static Tensor<T> operator *(Tensor<T> a, T s) { var r = new Tensor<T>(a._shape); TP.Multiply(a.Span, s, r.Span); return r; }
    /// <summary>Multiplies every element by a scalar.</summary>
    public static Tensor<T> operator *(T s, Tensor<T> a) => a * s;
    /// <summary>Divides every element by a scalar.</summary>
    public static Tensor<T> operator /(Tensor<T> a, T s) { var r = new Tensor<T>(a._shape); TP.Divide(a.Span, s, r.Span); return r; }
    /// <summary>Divides a scalar by every element.</summary>
    public static Tensor<T> operator /(T s, Tensor<T> a) { var r = new Tensor<T>(a._shape); TP.Divide(s, a.Span, r.Span); return r; }
    /// <summary>Negates every element.</summary>
    public static Tensor<T> operator -(Tensor<T> a) { var r = new Tensor<T>(a._shape); TP.Negate(a.Span, r.Span); return r; }

    /// <summary>Element-wise maximum with broadcasting (<c>np.maximum</c>).</summary>
    public static Tensor<T> Maximum(Tensor<T> a, Tensor<T> b) => Binary<MaxOp<T>>(a, b);

    /// <summary>Element-wise maximum with a scalar (<c>np.maximum(0, x)</c> is ReLU).</summary>
    public static Tensor<T> Maximum(Tensor<T> a, T s) { var r = new Tensor<T>(a._shape); TP.Max(a.Span, s, r.Span); return r; }

    /// <summary>e to the power of each element.</summary>
    public Tensor<T> Exp() { var r = new Tensor<T>(_shape); TP.Exp<T>(Span, r.Span); return r; }
    /// <summary>Natural logarithm of each element.</summary>
    public Tensor<T> Log() { var r = new Tensor<T>(_shape); TP.Log<T>(Span, r.Span); return r; }
    /// <summary>Square root of each element.</summary>
    public Tensor<T> Sqrt() { var r = new Tensor<T>(_shape); TP.Sqrt<T>(Span, r.Span); return r; }
    /// <summary>Absolute value of each element.</summary>
    public Tensor<T> Abs() { var r = new Tensor<T>(_shape); TP.Abs<T>(Span, r.Span); return r; }
    /// <summary>Square of each element.</summary>
    public Tensor<T> Square() { var r = new Tensor<T>(_shape); TP.Multiply(Span, Span, r.Span); return r; }
    /// <summary>Hyperbolic tangent of each element.</summary>
    public Tensor<T> Tanh() { var r = new Tensor<T>(_shape); TP.Tanh<T>(Span, r.Span); return r; }

    /// <summary>Applies <paramref name="f"/> to each element (scalar loop; for the book's small examples).</summary>
    public Tensor<T> Map(Func<T, T> f)
    {
        var r = new Tensor<T>(_shape);
        var s = Span; var d = r.Span;
        for (int i = 0; i < s.Length; i++) d[i] = f(s[i]);
        return r;
    }

    /// <summary>In place: <c>this += other</c> (broadcast from <paramref name="other"/>).</summary>
    public Tensor<T> AddInPlace(Tensor<T> other) { BinaryInto<AddOp<T>>(this, other, this); return this; }
    /// <summary>In place: <c>this -= other</c> (broadcast from <paramref name="other"/>).</summary>
    public Tensor<T> SubtractInPlace(Tensor<T> other) { BinaryInto<SubOp<T>>(this, other, this); return this; }
    /// <summary>In place: <c>this *= other</c> (broadcast from <paramref name="other"/>).</summary>
    public Tensor<T> MultiplyInPlace(Tensor<T> other) { BinaryInto<MulOp<T>>(this, other, this); return this; }
    /// <summary>In place: <paramref name="row"/> (the last axis) added to every row, as NumPy broadcasts <c>x + b</c>; allocates nothing.</summary>
    /// <exception cref="ArgumentException"><paramref name="row"/> is not 1-D with this tensor's last axis.</exception>
    public Tensor<T> AddToEachRow(Tensor<T> row)
    {
        if (Rank == 0 || row.Rank != 1 || row._shape[0] != _shape[^1])
            throw new ArgumentException($"AddToEachRow: {ShapeString(row._shape)} is not a row of {ShapeString(_shape)}.");
        Kernels.RowwiseKernel<T>.AddToEachRow(Span, row.Span);
        return this;
    }
    /// <summary>In place: <c>this *= s</c>.</summary>
    public Tensor<T> MultiplyInPlace(T s) { TP.Multiply(Span, s, Span); return this; }
    /// <summary>In place: <c>this += alpha * x</c> (same shape).</summary>
    public Tensor<T> AddScaledInPlace(T alpha, Tensor<T> x)
    {
        RequireSameShape(this, x, "AddScaledInPlace");
        TP.MultiplyAdd(x.Span, alpha, Span, Span);
        return this;
    }

    /// <summary>The shape two shapes broadcast to, or an exception naming both.</summary>
    public static int[] BroadcastShape(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var r = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i - (rank - a.Length) >= 0 ? a[i - (rank - a.Length)] : 1;
            int db = i - (rank - b.Length) >= 0 ? b[i - (rank - b.Length)] : 1;
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException($"Shapes {ShapeString(a)} and {ShapeString(b)} cannot be broadcast together.");
            r[i] = da == 1 ? db : da;
        }
        return r;
    }

    internal static Tensor<T> Binary<TOp>(Tensor<T> a, Tensor<T> b) where TOp : IBinaryOp<T>
    {
        var r = new Tensor<T>(a._shape.AsSpan().SequenceEqual(b._shape) ? a._shape : BroadcastShape(a._shape, b._shape));
        BinaryInto<TOp>(a, b, r);
        return r;
    }

    /// <summary>Writes <c>op(a, b)</c> into <paramref name="d"/>, whose shape must be the broadcast shape.</summary>
    internal static void BinaryInto<TOp>(Tensor<T> a, Tensor<T> b, Tensor<T> d) where TOp : IBinaryOp<T>
    {
        if (a.HasShape(b._shape))
        {
            RequireSameShape(a, d, "result");
            TOp.Apply(a.Span, b.Span, d.Span);
            return;
        }
        var shape = BroadcastShape(a._shape, b._shape);
        if (!d.HasShape(shape))
            throw new ArgumentException($"Broadcasting {ShapeString(a._shape)} with {ShapeString(b._shape)} gives {ShapeString(shape)}, but the destination is {ShapeString(d._shape)}.");
        if (b.Length == 1) { TOp.Apply(a.Span, b.Span[0], d.Span); return; }
        if (a.Length == 1) { TOp.Apply(a.Span[0], b.Span, d.Span); return; }
        // b is a trailing block of a (a bias row, say): apply block by block.
        if (a.Length == d.Length && IsTrailing(b._shape, a._shape))
        {
            var bs = b.Span; var as_ = a.Span; var ds = d.Span;
            for (int o = 0; o < as_.Length; o += bs.Length)
                TOp.Apply(as_.Slice(o, bs.Length), bs, ds.Slice(o, bs.Length));
            return;
        }
        if (b.Length == d.Length && IsTrailing(a._shape, b._shape))
        {
            var as_ = a.Span; var bs = b.Span; var ds = d.Span;
            for (int o = 0; o < bs.Length; o += as_.Length)
                TOp.Apply(as_, bs.Slice(o, as_.Length), ds.Slice(o, as_.Length));
            return;
        }
        GeneralBroadcast<TOp>(a, b, d, shape);
    }

    private static bool IsTrailing(ReadOnlySpan<int> small, ReadOnlySpan<int> big)
    {
        // Leading 1s in small are fine; the rest must equal big's trailing dimensions.
        int i = 0;
        while (i < small.Length && small[i] == 1 && small.Length - i > 0) i++;
        var rest = small[i..];
        return rest.Length <= big.Length && big[(big.Length - rest.Length)..].SequenceEqual(rest);
    }

    private static void GeneralBroadcast<TOp>(Tensor<T> a, Tensor<T> b, Tensor<T> d, int[] shape) where TOp : IBinaryOp<T>
    {
        int rank = shape.Length;
        int[] sa = BroadcastStrides(a._shape, rank), sb = BroadcastStrides(b._shape, rank);
        var idx = new int[rank];
        var A = a.Span; var B = b.Span; var D = d.Span;
        int ia = 0, ib = 0;
        for (int flat = 0; flat < D.Length; flat++)
        {
            D[flat] = TOp.Apply(A[ia], B[ib]);
            for (int ax = rank - 1; ax >= 0; ax--)
            {
                idx[ax]++; ia += sa[ax]; ib += sb[ax];
                if (idx[ax] < shape[ax]) break;
                ia -= sa[ax] * shape[ax]; ib -= sb[ax] * shape[ax]; idx[ax] = 0;
            }
        }
    }

    private static int[] BroadcastStrides(int[] shape, int rank)
    {
        var s = new int[rank];
        int stride = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            s[rank - shape.Length + i] = shape[i] == 1 ? 0 : stride;
            stride *= shape[i];
        }
        return s;
    }

    internal static void RequireSameShape(Tensor<T> a, Tensor<T> b, string what)
    {
        if (!a.HasShape(b._shape))
            throw new ArgumentException($"{what}: shapes {ShapeString(a._shape)} and {ShapeString(b._shape)} differ.");
    }
}
