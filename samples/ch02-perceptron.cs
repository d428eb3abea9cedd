#:project ../src/Nabla/Nabla.csproj
// Chapter 2 (2.3–2.5): logic gates as perceptrons, and XOR by stacking NAND, OR and AND.
// Run: dotnet run samples/ch02-perceptron.cs
using Nabla.Functions;

(string Name, Func<int, int, int> Gate)[] gates =
    [("AND", Perceptron.And), ("NAND", Perceptron.Nand), ("OR", Perceptron.Or), ("XOR", Perceptron.Xor)];
foreach (var (name, gate) in gates)
{
    Console.WriteLine($"{name}:");
    foreach (var (x1, x2) in new[] { (0, 0), (1, 0), (0, 1), (1, 1) })
        Console.WriteLine($"({x1}, {x2}) -> {gate(x1, x2)}");
}
