using System.Numerics;

namespace Nabla.Models;

/// <summary>One parameter's comparison of backprop with numerical gradients.</summary>
/// <param name="Name">Parameter name.</param>
/// <param name="MeanAbsDifference">Mean |backprop − numerical| (what the book prints).</param>
/// <param name="MaxRelativeError">max |a − b| / max(|a| + |b|, 1e-8) over the elements.</param>
public sealed record GradientCheckResult(string Name, double MeanAbsDifference, double MaxRelativeError);

/// <summary>The book's gradient check (chapter 5): backprop against central differences.</summary>
public static class GradientCheck
{
    /// <summary>Compares <see cref="INetwork{T}.Gradient"/> with numerical gradients for every parameter.</summary>
    public static IReadOnlyList<GradientCheckResult> Run<T>(INetwork<T> network, Tensor<T> x, Tensor<T> t)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var numerical = network.NumericalGradient(x, t);
        var backprop = network.Gradient(x, t);
        var results = new List<GradientCheckResult>();
        foreach (var (name, g) in backprop)
        {
            var a = g.Span; var b = numerical[name].Span;
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
