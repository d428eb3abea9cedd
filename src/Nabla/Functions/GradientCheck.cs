using System.Numerics;

namespace Nabla.Functions;

/// <summary>One parameter's comparison of backprop with numerical gradients.</summary>
/// <param name="Name">Parameter name.</param>
/// <param name="MeanAbsDifference">Mean |backprop − numerical| (what the book prints).</param>
/// <param name="MaxRelativeError">max |a − b| / max(|a| + |b|, 1e-8) over the elements.</param>
public sealed record GradientCheckResult(string Name, double MeanAbsDifference, double MaxRelativeError);

/// <summary>The book's gradient check (chapter 5): backprop against central differences (<see cref="Numerical"/>).</summary>
public static class GradientCheck
{
    /// <summary>
    /// Numerical gradients of <paramref name="loss"/> for every parameter in <paramref name="parameters"/> (each nudged in
    /// place and restored), compared with the gradients <paramref name="backprop"/> returns by the same names.
    /// </summary>
    public static IReadOnlyList<GradientCheckResult> Run<T>(Func<T> loss, IReadOnlyDictionary<string, Tensor<T>> parameters,
        Func<IReadOnlyDictionary<string, Tensor<T>>> backprop)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(loss);
        var numerical = new Dictionary<string, Tensor<T>>();
        foreach (var (name, p) in parameters) numerical[name] = Numerical.NumericalGradient(_ => loss(), p);
        return Compare(backprop(), numerical);
    }

    /// <summary>Compares <paramref name="backprop"/> with <paramref name="numerical"/>, parameter by parameter (in backprop's order).</summary>
    /// <exception cref="ArgumentException">A parameter is missing from <paramref name="numerical"/> or has another size there.</exception>
    public static IReadOnlyList<GradientCheckResult> Compare<T>(IReadOnlyDictionary<string, Tensor<T>> backprop, IReadOnlyDictionary<string, Tensor<T>> numerical)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var results = new List<GradientCheckResult>();
        foreach (var (name, g) in backprop)
        {
            if (!numerical.TryGetValue(name, out var n) || n.Length != g.Length)
                throw new ArgumentException($"GradientCheck: no numerical gradient of {g.Length} values for '{name}'.");
            var a = g.Span; var b = n.Span;
            double sum = 0, maxRel = 0;
            for (int i = 0; i < a.Length; i++)
            {
                double da = double.CreateTruncating(a[i]), db = double.CreateTruncating(b[i]);
                double diff = Math.Abs(da - db);
                sum += diff;
                maxRel = Math.Max(maxRel, diff / Math.Max(Math.Abs(da) + Math.Abs(db), 1e-8));
            }
            results.Add(new GradientCheckResult(name, a.Length == 0 ? 0 : sum / a.Length, maxRel));
        }
        return results;
    }
}
