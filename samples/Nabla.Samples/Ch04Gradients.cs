using Nabla.Functions;
using Nabla.Models;

namespace Nabla.Samples;

/// <summary>Chapter 4: numerical differentiation, gradients, gradient descent, simpleNet.</summary>
internal static class Ch04Gradients
{
    private static double Function1(double x) => 0.01 * (x * x) + 0.1 * x;
    private static double Function2(Tensor<double> x) => x[0] * x[0] + x[1] * x[1];

    public static int Run(string[] args)
    {
        Console.WriteLine($"numerical_diff(function_1, 5)  = {Numerical.NumericalDiff(Function1, 5):R}");
        Console.WriteLine($"numerical_diff(function_1, 10) = {Numerical.NumericalDiff(Function1, 10):R}");
        foreach (var (a, b) in new[] { (3.0, 4.0), (0.0, 2.0), (3.0, 0.0) })
            Console.WriteLine($"numerical_gradient(function_2, [{a}, {b}]) = {Numerical.NumericalGradient(Function2, Tensor.From(a, b))}");
        foreach (double lr in new[] { 0.1, 10.0, 1e-10, 1e-5 })
        {
            var (x, _) = Numerical.GradientDescent(Function2, Tensor.From(-3.0, 4.0), lr, 100);
            Console.WriteLine($"gradient_descent(init=[-3, 4], lr={lr}, steps=100) = {x}");
        }
        return 0;
    }

    public static int SimpleNet(string[] args)
    {
        // The book prints results for random weights; these are the weights its text shows.
        var net = new SimpleNet<double>(Tensor.From(new[,] { { 0.47355232, 0.9977393, 0.84668094 }, { 0.85557411, 0.03563661, 0.69422093 } }));
        var x = Tensor.From(0.6, 0.9);
        var p = net.Predict(x);
        var t = Tensor.From(0.0, 0.0, 1.0);
        Console.WriteLine($"W = \n{net.W}");
        Console.WriteLine($"p = {p}");
        Console.WriteLine($"argmax(p) = {p.ArgMax()}");
        Console.WriteLine($"loss = {net.Loss(x, t):R}");
        Console.WriteLine($"dW = \n{Numerical.NumericalGradient(_ => net.Loss(x, t), net.W)}");
        return 0;
    }
}
