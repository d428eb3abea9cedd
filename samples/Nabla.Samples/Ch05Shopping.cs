using Nabla.Layers;

namespace Nabla.Samples;

/// <summary>Chapter 5: the shopping computational graphs, forward and backward.</summary>
internal static class Ch05Shopping
{
    public static int Apple(string[] args)
    {
        double apple = 100, appleNum = 2, tax = 1.1;
        var mulApple = new MulLayer();
        var mulTax = new MulLayer();
        double price = mulTax.Forward(mulApple.Forward(apple, appleNum), tax);
        var (dApplePrice, dTax) = mulTax.Backward(1);
        var (dApple, dAppleNum) = mulApple.Backward(dApplePrice);
        Console.WriteLine($"price: {(int)price}");
        Console.WriteLine($"dApple: {dApple:R}");
        Console.WriteLine($"dApple_num: {(int)dAppleNum}");
        Console.WriteLine($"dTax: {dTax:R}");
        return 0;
    }

    public static int AppleOrange(string[] args)
    {
        double apple = 100, appleNum = 2, orange = 150, orangeNum = 3, tax = 1.1;
        MulLayer mulApple = new(), mulOrange = new(), mulTax = new();
        AddLayer addAppleOrange = new();
        double applePrice = mulApple.Forward(apple, appleNum);
        double orangePrice = mulOrange.Forward(orange, orangeNum);
        double price = mulTax.Forward(addAppleOrange.Forward(applePrice, orangePrice), tax);
        var (dAllPrice, dTax) = mulTax.Backward(1);
        var (dApplePrice, dOrangePrice) = addAppleOrange.Backward(dAllPrice);
        var (dOrange, dOrangeNum) = mulOrange.Backward(dOrangePrice);
        var (dApple, dAppleNum) = mulApple.Backward(dApplePrice);
        Console.WriteLine($"price: {(int)price}");
        Console.WriteLine($"dApple: {dApple:R}");
        Console.WriteLine($"dApple_num: {(int)dAppleNum}");
        Console.WriteLine($"dOrange: {dOrange:R}");
        Console.WriteLine($"dOrange_num: {(int)dOrangeNum}");
        Console.WriteLine($"dTax: {dTax:R}");
        return 0;
    }
}
