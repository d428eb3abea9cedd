using System.Numerics;

namespace Nabla.Autograd;

internal sealed class Reshape<T>(int[] shape) : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private int[] _xShape = [];
    public override string? Detail => Shapes.S(shape);

    protected override Tensor<T>[] Forward(Tensor<T>[] xs)
    {
        _xShape = xs[0].Shape.ToArray();
        try { return [xs[0].Reshape(shape)]; }
        catch (ArgumentException) { throw new ArgumentException($"Reshape: cannot reshape {Shapes.S(_xShape)} ({xs[0].Length} elements) to {Shapes.S(shape)}."); }
    }

    protected override Variable<T>?[] Backward(Variable<T>[] gy) => [Ops.Reshape(gy[0], _xShape)];
}

internal sealed class Transpose<T>(int[]? axes) : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private int[] _axes = [];
    public override string? Detail => axes is null ? null : "(" + string.Join(", ", axes) + ")";
    /// <summary>The permutation applied, reversed axes when none was given (read by the ONNX exporter after forward).</summary>
    internal int[] Permutation => _axes;

    protected override Tensor<T>[] Forward(Tensor<T>[] xs)
    {
        int rank = xs[0].Rank;
        _axes = axes ?? Enumerable.Range(0, rank).Reverse().ToArray();
        if (_axes.Length != rank || _axes.Distinct().Count() != rank || _axes.Any(a => a < 0 || a >= rank))
            throw new ArgumentException($"Transpose: axes ({string.Join(", ", _axes)}) are not a permutation of the axes of shape {Shapes.S(xs[0].Shape)}.");
        return [rank < 2 ? xs[0] : xs[0].Transpose(_axes)];
    }

    protected override Variable<T>?[] Backward(Variable<T>[] gy)
    {
        var inv = new int[_axes.Length];
        for (int i = 0; i < _axes.Length; i++) inv[_axes[i]] = i;
        return [Ops.Transpose(gy[0], inv)];
    }
}

/// <summary>Sum of all elements (axis null) or along one axis.</summary>
internal sealed class Sum<T>(int? axis, bool keepDims) : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private int[] _xShape = [];
    public override string? Detail => axis is null ? null : $"axis={axis}{(keepDims ? ", keepdims" : "")}";
    /// <summary>The summed axis (null: all) and whether it is kept as 1 (read by the ONNX exporter).</summary>
    internal (int? Axis, bool KeepDims) Reduction => (axis, keepDims);

    protected override Tensor<T>[] Forward(Tensor<T>[] xs)
    {
        var x = xs[0];
        _xShape = x.Shape.ToArray();
        if (axis is null)
        {
            var s = Tensor<T>.Scalar(x.Sum());
            return [keepDims ? s.Reshape(Enumerable.Repeat(1, x.Rank).ToArray()) : s];
        }
        if (axis < -x.Rank || axis >= x.Rank) throw new ArgumentException($"Sum: axis {axis} is out of range for shape {Shapes.S(_xShape)}.");
        return [x.Sum(axis.Value, keepDims)];
    }

    protected override Variable<T>?[] Backward(Variable<T>[] gy)
    {
        var g = gy[0];
        // Put back the summed axis as 1 so that the gradient broadcasts along it.
        int[] kept = (int[])_xShape.Clone();
        if (axis is null) Array.Fill(kept, 1);
        else kept[axis.Value < 0 ? axis.Value + kept.Length : axis.Value] = 1;
        if (!g.Data.HasShape(kept)) g = Ops.Reshape(g, kept);
        return [Ops.BroadcastTo(g, _xShape)];
    }
}

internal sealed class BroadcastTo<T>(int[] shape) : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private int[] _xShape = [];
    public override string? Detail => Shapes.S(shape);
    protected override Tensor<T>[] Forward(Tensor<T>[] xs) { _xShape = xs[0].Shape.ToArray(); return [Shapes.BroadcastTo(xs[0], shape)]; }
    protected override Variable<T>?[] Backward(Variable<T>[] gy) => [Ops.SumTo(gy[0], _xShape)];
}

internal sealed class SumTo<T>(int[] shape) : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private int[] _xShape = [];
    public override string? Detail => Shapes.S(shape);
    protected override Tensor<T>[] Forward(Tensor<T>[] xs) { _xShape = xs[0].Shape.ToArray(); return [Shapes.SumTo(xs[0], shape)]; }
    protected override Variable<T>?[] Backward(Variable<T>[] gy) => [Ops.BroadcastTo(gy[0], _xShape)];
}

/// <summary>Rows picked along the first axis (<c>x[rows]</c>, <c>x[start:end]</c>, <c>x[i]</c>); rows may repeat.</summary>
internal sealed class GetItem<T>(int[] rows, bool dropAxis) : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private int[] _xShape = [];
    public override string? Detail => rows.Length <= 4 ? "[" + string.Join(", ", rows) + "]" : $"{rows.Length} rows";

    protected override Tensor<T>[] Forward(Tensor<T>[] xs)
    {
        var x = xs[0];
        _xShape = x.Shape.ToArray();
        if (x.Rank == 0) throw new ArgumentException("GetItem: cannot index a scalar (shape ()).");
        foreach (int r in rows)
            if ((uint)r >= (uint)x.Dim(0)) throw new ArgumentOutOfRangeException(nameof(rows), $"GetItem: row {r} is outside the {x.Dim(0)} rows of shape {Shapes.S(_xShape)}.");
        var y = x.TakeRows(rows);
        return [dropAxis ? y.Reshape(_xShape[1..]) : y];
    }

    protected override Variable<T>?[] Backward(Variable<T>[] gy) => [new GetItemGrad<T>(rows, _xShape).Apply(gy[0])];
}

/// <summary>The adjoint of <see cref="GetItem{T}"/>: gradients added back into their rows of a zero tensor.</summary>
internal sealed class GetItemGrad<T>(int[] rows, int[] xShape) : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    protected override Tensor<T>[] Forward(Tensor<T>[] xs)
    {
        var gx = new Tensor<T>(xShape);
        int rowSize = xShape[0] == 0 ? 0 : gx.Length / xShape[0];
        var g = xs[0].Span; var d = gx.Span;
        for (int i = 0; i < rows.Length; i++)
        {
            var dst = d.Slice(rows[i] * rowSize, rowSize);
            System.Numerics.Tensors.TensorPrimitives.Add(dst, g.Slice(i * rowSize, rowSize), dst);
        }
        return [gx];
    }

    protected override Variable<T>?[] Backward(Variable<T>[] gy) =>
        [new GetItem<T>(rows, false).Apply(gy[0]).Reshape([rows.Length, .. xShape[1..]])];
}
