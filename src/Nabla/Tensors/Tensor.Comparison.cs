namespace Nabla;

public sealed partial class Tensor<T>
{
    /// <summary>
    /// True when shapes match and every pair satisfies <c>|a − b| ≤ atol + rtol·|b|</c> (<c>np.allclose</c>).
    /// </summary>
    public bool AllClose(Tensor<T> other, double rtol = 1e-5, double atol = 1e-8)
    {
        if (!HasShape(other._shape)) return false;
        var a = Span; var b = other.Span;
        T rt = T.CreateTruncating(rtol), at = T.CreateTruncating(atol);
        for (int i = 0; i < a.Length; i++)
        {
            if (T.IsNaN(a[i]) || T.IsNaN(b[i])) return false;
            if (a[i] == b[i]) continue;
            if (T.Abs(a[i] - b[i]) > at + rt * T.Abs(b[i])) return false;
        }
        return true;
    }

    /// <summary>Largest absolute element-wise difference to <paramref name="other"/> (same shape).</summary>
    public T MaxAbsDifference(Tensor<T> other)
    {
        RequireSameShape(this, other, "MaxAbsDifference");
        T m = T.Zero;
        var a = Span; var b = other.Span;
        for (int i = 0; i < a.Length; i++) m = T.Max(m, T.Abs(a[i] - b[i]));
        return m;
    }
}
