#:project ../src/Nabla/Nabla.csproj
// Chapter 4 (4.3–4.4): numerical differentiation, partial derivatives, the gradient, and gradient descent
// with good and bad learning rates (gradient_1d.py, gradient_2d.py, gradient_method.py).
// Run: dotnet run samples/ch04-numerical-gradient.cs
using Nabla;
using Nabla.Functions;

Console.WriteLine(Numerical.NumericalDiff(Function1, 5).ToString("R"));    // the book: 0.1999999999990898
Console.WriteLine(Numerical.NumericalDiff(Function1, 10).ToString("R"));   // the book: 0.2999999999986347
foreach (var (a, b) in new[] { (3.0, 4.0), (0.0, 2.0), (3.0, 0.0) })
    Console.WriteLine($"numerical_gradient(function_2, [{a}, {b}]) = {Numerical.NumericalGradient(Function2, Tensor.From(a, b))}");   // [6. 8.], [0. 4.], [6. 0.]
foreach (double lr in new[] { 0.1, 10.0, 1e-10 })
{
    var (x, _) = Numerical.GradientDescent(Function2, Tensor.From(-3.0, 4.0), lr, 100);
    Console.WriteLine($"gradient_descent(function_2, init_x=[-3, 4], lr={lr}, step_num=100) = {x}");   // ~[0 0]; diverges; barely moves
}

static double Function1(double x) => 0.01 * (x * x) + 0.1 * x;   // 0.01 * x**2 + 0.1 * x
static double Function2(Tensor<double> x) => x[0] * x[0] + x[1] * x[1];
