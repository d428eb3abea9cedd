using System.Numerics;

namespace Nabla.Functions;

/// <summary>Numerical differentiation and gradient descent (chapter 4).</summary>
public static class Numerical
{
    /// <summary>The book's step size h = 1e-4.</summary>
    public const double H = 1e-4;

    /// <summary>Central difference <c>(f(x+h) − f(x−h)) / 2h</c> with h = 1e-4.</summary>
    public static double NumericalDiff(Func<double, double> f, double x)
    {
        ArgumentNullException.ThrowIfNull(f);
        return (f(x + H) - f(x - H)) / (2 * H);
    }

    /// <summary>
    /// Gradient of <paramref name="f"/> with respect to every element of <paramref name="x"/> (any rank)
    /// by central differences. Each element is perturbed in place and restored, so <paramref name="f"/>
    /// may read <paramref name="x"/> through a closure — as the book's networks do with their weights.
    /// </summary>
    public static Tensor<T> NumericalGradient<T>(Func<Tensor<T>, T> f, Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(f);
        var grad = Tensor<T>.ZerosLike(x);
        T h = T.CreateChecked(H), twoH = T.CreateChecked(2 * H);
        var g = grad.Span;
        for (int i = 0; i < x.Length; i++)
        {
            T saved = x.Span[i];
            x.Span[i] = saved + h;
            T fxh1 = f(x);
            x.Span[i] = saved - h;
            T fxh2 = f(x);
            x.Span[i] = saved;
            g[i] = (fxh1 - fxh2) / twoH;
        }
        return grad;
    }

    /// <summary>
    /// Gradient descent: <c>x ← x − lr · ∇f(x)</c> for <paramref name="steps"/> steps starting from a copy
    /// of <paramref name="init"/>. Returns the final point and the points visited (before each step).
    /// </summary>
    public static (Tensor<T> X, IReadOnlyList<Tensor<T>> History) GradientDescent<T>(Func<Tensor<T>, T> f, Tensor<T> init, T lr, int steps)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        var x = init.Clone();
        var history = new List<Tensor<T>>(steps);
        for (int i = 0; i < steps; i++)
        {
            history.Add(x.Clone());
            x.AddScaledInPlace(-lr, NumericalGradient(f, x));
        }
        return (x, history);
    }
}
