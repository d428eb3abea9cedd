using Nabla.Functions;
using Nabla.Layers;

namespace Nabla.Tests.Layers;

/// <summary>Checks a layer's backward against central differences in double.</summary>
public static class LayerCheck
{
    /// <summary>
    /// L = Σ out ⊙ G for random G, so ∂L/∂out = G; compares ∂L/∂x from Backward(G) and every parameter gradient. Input in
    /// sparse rows (whose values cannot be nudged one by one) has ∂L/∂x compared with central differences at its dense copy.
    /// </summary>
    public static void Run(ILayer<double> layer, Tensor<double> x, Random rng, double tol = 1e-7)
    {
        var g = Tensor<double>.RandomNormal(rng, 1.0, layer.Forward(x).Shape.ToArray());
        double L(Tensor<double> _) => (layer.Forward(x) * g).Sum();
        var xDense = x.Layout == TensorLayout.Dense ? x : x.ToDense();
        double LDense(Tensor<double> _) => (layer.Forward(xDense) * g).Sum();
        var numDx = Numerical.NumericalGradient(LDense, xDense);
        layer.Forward(x);
        var dx = layer.Backward(g).Clone();
        Assert.Equal(x.Shape.ToArray(), dx.Shape.ToArray());
        Assert.True(dx.MaxAbsDifference(numDx) < tol, $"dx differs by {dx.MaxAbsDifference(numDx)}");
        if (layer is IParameterizedLayer<double> p)
            foreach (var (role, value, grad) in p.Parameters)
            {
                var num = Numerical.NumericalGradient(L, value);
                layer.Forward(x); layer.Backward(g);
                Assert.True(grad.MaxAbsDifference(num) < tol, $"{role} differs by {grad.MaxAbsDifference(num)}");
            }
    }
}
