#:project ../src/Nabla/Nabla.csproj
// Double backprop: the gradient is itself part of a new expression that is differentiated.
// y = x², gx = dy/dx = 2x, z = gx³ + y, and dz/dx = 24x² + 2x = 100 at x = 2.
// Run: dotnet run samples/autograd-double-backprop.cs
using Nabla.Autograd;

var x = new Variable<double>(2.0, "x");
var y = x.Pow(2);
y.Backward(createGraph: true);
var gx = x.Grad!;
gx.Name = "gx";
x.ClearGrad();
var z = gx.Pow(3) + y;
z.Name = "z";
z.Backward(retainGrad: true);
Console.WriteLine($"gx = {gx.Data.ToScalar():G6}, z = {z.Data.ToScalar():G6}, dz/dx = {x.Grad!.Data.ToScalar():G6}");
Directory.CreateDirectory("out");
Graph.Save(z, "out/double-backprop.svg");
Console.WriteLine("wrote out/double-backprop.svg (the graph of z, including the recorded backward of y)");
