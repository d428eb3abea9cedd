#:project ../src/Nabla/Nabla.csproj
// Gradients of the optimisation test functions DeZero uses (Sphere, Matyas, Goldstein–Price) at (1, 1),
// computed by backward through the graph the C# operators build.
// Run: dotnet run samples/autograd-test-functions.cs
using Nabla.Autograd;

static Variable<double> Sphere(Variable<double> x, Variable<double> y) => x.Pow(2) + y.Pow(2);
static Variable<double> Matyas(Variable<double> x, Variable<double> y) => 0.26 * (x.Pow(2) + y.Pow(2)) - 0.48 * x * y;
static Variable<double> GoldsteinPrice(Variable<double> x, Variable<double> y) =>
    (1.0 + (x + y + 1.0).Pow(2) * (19.0 - 14.0 * x + 3.0 * x.Pow(2) - 14.0 * y + 6.0 * x * y + 3.0 * y.Pow(2)))
    * (30.0 + (2.0 * x - 3.0 * y).Pow(2) * (18.0 - 32.0 * x + 12.0 * x.Pow(2) + 48.0 * y - 36.0 * x * y + 27.0 * y.Pow(2)));

foreach (var (name, f) in new (string, Func<Variable<double>, Variable<double>, Variable<double>>)[]
         { ("sphere", Sphere), ("matyas", Matyas), ("goldstein-price", GoldsteinPrice) })
{
    var x = new Variable<double>(1.0, "x");
    var y = new Variable<double>(1.0, "y");
    var z = f(x, y);
    z.Backward();
    Console.WriteLine($"{name,-16} z = {z.Data.ToScalar(),-8:G6} dz/dx = {x.Grad!.Data.ToScalar(),-8:G6} dz/dy = {y.Grad!.Data.ToScalar():G6}");
    if (name == "goldstein-price")
    {
        Directory.CreateDirectory("out");
        Graph.Save(z, "out/goldstein-price.svg", new GraphOptions { MaxValues = 1 });
        Console.WriteLine("wrote out/goldstein-price.svg");
    }
}
