namespace Nabla.Functions;

/// <summary>The chapter 2 logic gates as perceptrons: weights, a bias, and a step.</summary>
public static class Perceptron
{
    /// <summary>A perceptron: 1 when w1·x1 + w2·x2 + b &gt; 0, else 0.</summary>
    public static int Fire(double x1, double x2, double w1, double w2, double b) => x1 * w1 + x2 * w2 + b > 0 ? 1 : 0;

    /// <summary>AND: w = (0.5, 0.5), b = −0.7.</summary>
    public static int And(int x1, int x2) => Fire(x1, x2, 0.5, 0.5, -0.7);

    /// <summary>NAND: w = (−0.5, −0.5), b = 0.7.</summary>
    public static int Nand(int x1, int x2) => Fire(x1, x2, -0.5, -0.5, 0.7);

    /// <summary>OR: w = (0.5, 0.5), b = −0.2.</summary>
    public static int Or(int x1, int x2) => Fire(x1, x2, 0.5, 0.5, -0.2);

    /// <summary>XOR, which no single perceptron can do, by stacking: AND(NAND(x1, x2), OR(x1, x2)).</summary>
    public static int Xor(int x1, int x2) => And(Nand(x1, x2), Or(x1, x2));
}
