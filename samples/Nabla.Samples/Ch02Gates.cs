using Nabla.Functions;

namespace Nabla.Samples;

/// <summary>Chapter 2: logic gates as perceptrons, and XOR by stacking them.</summary>
internal static class Ch02Gates
{
    public static int Run(string[] args)
    {
        (string Name, Func<int, int, int> Gate)[] gates =
            [("AND", Perceptron.And), ("NAND", Perceptron.Nand), ("OR", Perceptron.Or), ("XOR", Perceptron.Xor)];
        foreach (var (name, gate) in gates)
        {
            Console.WriteLine($"{name}:");
            foreach (var (x1, x2) in new[] { (0, 0), (1, 0), (0, 1), (1, 1) })
                Console.WriteLine($"({x1}, {x2}) -> {gate(x1, x2)}");
        }
        return 0;
    }
}
