namespace Nabla.Autograd;

/// <summary>The outcome of GradCheck.Check: the largest errors and a message naming the worst element.</summary>
/// <param name="Passed">Every element within <c>atol + rtol·|numerical|</c>.</param>
/// <param name="MaxAbsError">Largest |analytic − numerical| over all inputs.</param>
/// <param name="MaxRelError">Largest |analytic − numerical| / max(|numerical|, 1e-8).</param>
/// <param name="Message">Which input and element was worst, with both values.</param>
public sealed record GradCheckResult(bool Passed, double MaxAbsError, double MaxRelError, string Message);

/// <summary>
/// Checks the engine's gradients of a function against central differences in double, like
/// <c>torch.autograd.gradcheck</c>: use it on a <see cref="Function{T}"/> you write. A non-scalar output y
/// is reduced to Σ y·r with fixed random weights r, so every output element's gradient takes part.
/// </summary>
public static class GradCheck
{
    /// <summary>Checks <paramref name="f"/> at <paramref name="inputs"/> with the default tolerances.</summary>
    public static GradCheckResult Check(Func<Variable<double>[], Variable<double>> f, params Tensor<double>[] inputs) =>
        Check(f, inputs, 1e-6, 1e-6, 1e-4, 0);

    /// <summary>
    /// Compares the backward gradients of <paramref name="f"/> at <paramref name="inputs"/> (left unchanged) with
    /// numerical ones, element by element: passes when |analytic − numerical| ≤ atol + rtol·|numerical| everywhere.
    /// </summary>
    public static GradCheckResult Check(Func<Variable<double>[], Variable<double>> f, Tensor<double>[] inputs,
        double eps, double atol = 1e-6, double rtol = 1e-4, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(inputs);
        var vars = inputs.Select((t, i) => new Variable<double>(t, $"x{i}")).ToArray();
        var y = f(vars);
        var r = Tensor<double>.RandomNormal(new Random(seed), 1.0, y.Shape.ToArray());
        var loss = Ops.Sum(y * Variable<double>.Constant(r));
        loss.Backward();

        double Eval()
        {
            using var _ = Autograd.NoGrad();
            var z = f(inputs.Select(t => Variable<double>.Constant(t)).ToArray()).Data;
            if (!z.HasShape(r.Shape)) throw new InvalidOperationException($"GradCheck: the function's output shape changed from {Tensor<double>.ShapeString(r.Shape)} to {Tensor<double>.ShapeString(z.Shape)}.");
            double s = 0;
            var zs = z.Span; var rs = r.Span;
            for (int i = 0; i < zs.Length; i++) s += zs[i] * rs[i];
            return s;
        }

        double maxAbs = 0, maxRel = 0;
        bool passed = true;
        string worst = "all gradients match";
        double worstScore = -1;
        for (int k = 0; k < inputs.Length; k++)
        {
            var x = inputs[k];
            var analytic = vars[k].Grad?.Data;
            var span = x.Span;
            for (int i = 0; i < x.Length; i++)
            {
                double saved = span[i];
                span[i] = saved + eps; double fp = Eval();
                span[i] = saved - eps; double fm = Eval();
                span[i] = saved;
                double num = (fp - fm) / (2 * eps);
                double ana = analytic is null ? 0 : analytic.Span[i];
                double abs = Math.Abs(ana - num), rel = abs / Math.Max(Math.Abs(num), 1e-8);
                maxAbs = Math.Max(maxAbs, abs); maxRel = Math.Max(maxRel, Math.Min(rel, abs / 1e-8));
                bool ok = abs <= atol + rtol * Math.Abs(num) && double.IsFinite(ana);
                double score = abs - (atol + rtol * Math.Abs(num));
                if (!ok) passed = false;
                if (score > worstScore || !double.IsFinite(ana))
                {
                    worstScore = double.IsFinite(score) ? score : double.MaxValue;
                    if (!ok) worst = $"input {k} element {i}: analytic {ana:R}, numerical {num:R} (difference {abs:G3})";
                }
            }
        }
        return new GradCheckResult(passed, maxAbs, maxRel, passed ? $"max abs error {maxAbs:G3}" : worst);
    }
}
