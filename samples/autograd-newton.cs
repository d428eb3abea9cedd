#:project ../src/Nabla/Nabla.csproj
// Newton's method on y = x⁴ − 2x² from x = 2, with both derivatives from the engine:
// backward(createGraph: true) records the first derivative's own graph, and a second backward through it
// gives y''. Converges to the minimum x = 1 in a handful of steps (gradient descent needs hundreds).
// Run: dotnet run samples/autograd-newton.cs
using Nabla.Autograd;

static Variable<double> F(Variable<double> x) => x.Pow(4) - 2.0 * x.Pow(2);

var x = new Variable<double>(2.0, "x");
for (int i = 0; i < 10; i++)
{
    x.ClearGrad();
    var y = F(x);
    y.Backward(createGraph: true);
    var gx = x.Grad!;                 // y' = 4x³ − 4x, itself a graph
    x.ClearGrad();
    gx.Backward();
    var gx2 = x.Grad!;                // y'' = 12x² − 4
    Console.WriteLine($"step {i}: x = {x.Data.ToScalar():R}, y' = {gx.Data.ToScalar():G6}, y'' = {gx2.Data.ToScalar():G6}");
    if (Math.Abs(gx.Data.ToScalar()) < 1e-12) break;
    x.Data = x.Data - gx.Data / gx2.Data;
}
