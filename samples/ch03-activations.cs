#:project ../src/Nabla/Nabla.csproj
// Chapter 3 (3.2–3.5): step, sigmoid, ReLU, the overflow-safe softmax, and the 3-layer forward pass with the
// book's hand-picked weights. Run: dotnet run samples/ch03-activations.cs
using Nabla;
using Nabla.Functions;

var x = Tensor.From(-1.0, 1.0, 2.0);
Console.WriteLine($"x          = {x}");
Console.WriteLine($"step(x)    = {Activations.Step(x)}");
Console.WriteLine($"sigmoid(x) = {Activations.Sigmoid(x)}");
Console.WriteLine($"relu(x)    = {Activations.Relu(x)}");
var a = Tensor.From(0.3, 2.9, 4.0);
var y = Activations.Softmax(a);
Console.WriteLine($"softmax({a}) = {y}  (sum {y.Sum()})");
Console.WriteLine($"softmax([1010, 1000, 990]) = {Activations.Softmax(Tensor.From(1010.0, 1000.0, 990.0))}");

// Section 3.4.3: init_network() and forward() of the 3-layer network.
var w1 = Tensor.From(new[,] { { 0.1, 0.3, 0.5 }, { 0.2, 0.4, 0.6 } });
var b1 = Tensor.From(0.1, 0.2, 0.3);
var w2 = Tensor.From(new[,] { { 0.1, 0.4 }, { 0.2, 0.5 }, { 0.3, 0.6 } });
var b2 = Tensor.From(0.1, 0.2);
var w3 = Tensor.From(new[,] { { 0.1, 0.3 }, { 0.2, 0.4 } });
var b3 = Tensor.From(0.1, 0.2);
var z1 = Activations.Sigmoid(Tensor.From(1.0, 0.5).Dot(w1) + b1);
var z2 = Activations.Sigmoid(z1.Dot(w2) + b2);
Console.WriteLine(Activations.Identity(z2.Dot(w3) + b3));   // the book: [0.31682708 0.69627909]
