#:project ../src/Nabla/Nabla.csproj
// Gradient descent on the Rosenbrock function y = 100 (x1 − x0²)² + (x0 − 1)², from (0, 2) with lr 0.001,
// the gradient coming from backward. The minimum is at (1, 1).
// Run: dotnet run samples/autograd-rosenbrock.cs [ITERS]
using Nabla.Autograd;

int iters = args.Length > 0 ? int.Parse(args[0]) : 50_000;
const double lr = 0.001;
var x0 = new Variable<double>(0.0, "x0");
var x1 = new Variable<double>(2.0, "x1");
for (int i = 0; i <= iters; i++)
{
    var y = 100.0 * (x1 - x0.Pow(2)).Pow(2) + (x0 - 1.0).Pow(2);
    x0.ClearGrad(); x1.ClearGrad();
    y.Backward();
    if (i == 0) Console.WriteLine($"gradient at (0, 2): ({x0.Grad!.Data.ToScalar():G6}, {x1.Grad!.Data.ToScalar():G6})");
    if (i % (iters / 10) == 0) Console.WriteLine($"iter {i,6}: x0 = {x0.Data.ToScalar():F6}, x1 = {x1.Data.ToScalar():F6}, y = {y.Data.ToScalar():G6}");
    if (i == iters) break;
    x0.Data = x0.Data - lr * x0.Grad!.Data;
    x1.Data = x1.Data - lr * x1.Grad!.Data;
}
