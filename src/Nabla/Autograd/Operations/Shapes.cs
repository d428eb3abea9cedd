using System.Numerics;

namespace Nabla.Autograd;

/// <summary>Shape helpers shared by the operations: broadcasting checks that name the operation, SumTo and BroadcastTo on tensors.</summary>
internal static class Shapes
{
    public static string S(ReadOnlySpan<int> shape) => Tensor<double>.ShapeString(shape);

    /// <summary>The broadcast shape of two operands, or an exception naming the operation and both shapes.</summary>
    public static int[] Broadcast(string op, ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        if (a.SequenceEqual(b)) return a.ToArray();
        try { return Tensor<double>.BroadcastShape(a, b); }
        catch (ArgumentException) { throw new ArgumentException($"{op}: shapes {S(a)} and {S(b)} cannot be broadcast together."); }
    }

    /// <summary>Sums <paramref name="x"/> down to <paramref name="shape"/> (the adjoint of broadcasting).</summary>
    public static Tensor<T> SumTo<T>(Tensor<T> x, ReadOnlySpan<int> shape, string op = "SumTo") where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.HasShape(shape)) return x;
        int[] target = shape.ToArray();
        bool ok = target.Length <= x.Rank;
        if (ok)
        {
            try { ok = Tensor<T>.BroadcastShape(target, x.Shape).AsSpan().SequenceEqual(x.Shape); }
            catch (ArgumentException) { ok = false; }
        }
        if (!ok) throw new ArgumentException($"{op}: cannot sum shape {S(x.Shape)} to {S(target)}.");
        int lead = x.Rank - target.Length;
        var r = x;
        for (int i = 0; i < lead; i++) r = r.Sum(0);
        for (int i = 0; i < target.Length; i++)
            if (target[i] == 1 && r.Dim(i) != 1) r = r.Sum(i, keepDims: true);
        return r.HasShape(target) ? r : r.Reshape(target);
    }

    /// <summary>Repeats <paramref name="x"/> along broadcast axes to <paramref name="shape"/>.</summary>
    public static Tensor<T> BroadcastTo<T>(Tensor<T> x, ReadOnlySpan<int> shape, string op = "BroadcastTo") where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.HasShape(shape)) return x;
        int[] target = shape.ToArray();
        bool ok = x.Rank <= target.Length;
        if (ok)
        {
            try { ok = Tensor<T>.BroadcastShape(x.Shape, target).AsSpan().SequenceEqual(target); }
            catch (ArgumentException) { ok = false; }
        }
        if (!ok) throw new ArgumentException($"{op}: cannot broadcast shape {S(x.Shape)} to {S(target)}.");
        var r = new Tensor<T>(target);
        if (x.Length == 1) { r.Fill(x.Span[0]); return r; }
        return r.AddInPlace(x);
    }
}
