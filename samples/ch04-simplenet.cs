#:project ../src/Nabla/Nabla.csproj
// Chapter 4 (4.4.2, gradient_simplenet.py): simpleNet's prediction, loss and the numerical gradient of the loss
// with respect to its 2×3 weights. The book draws W at random; these are the weights its text prints.
// Run: dotnet run samples/ch04-simplenet.cs
using Nabla;
using Nabla.Functions;
using Nabla.Models;

var net = new SimpleNet<double>(Tensor.From(new[,] { { 0.47355232, 0.9977393, 0.84668094 }, { 0.85557411, 0.03563661, 0.69422093 } }));
var x = Tensor.From(0.6, 0.9);
var t = Tensor.From(0.0, 0.0, 1.0);
var p = net.Predict(x);
Console.WriteLine($"W = \n{net.W}");
Console.WriteLine($"p = {p}");                                  // the book: [1.05414809 0.63071653 1.1328074]
Console.WriteLine($"argmax(p) = {p.ArgMax()}");                 // 2
Console.WriteLine($"loss = {net.Loss(x, t):R}");                // ≈ 0.928 (the book: 0.92806853663411326, from the unrounded weights)
Console.WriteLine($"dW = \n{Numerical.NumericalGradient(_ => net.Loss(x, t), net.W)}");
