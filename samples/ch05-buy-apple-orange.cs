#:project ../src/Nabla/Nabla.csproj
// Chapter 5 (5.4.2, buy_apple_orange.py): two apples and three oranges with tax, through multiplication and
// addition layers. The book prints price: 715, dApple: 2.2, dApple_num: 110, dOrange: 3.3, dOrange_num: 165, dTax: 650.
// Run: dotnet run samples/ch05-buy-apple-orange.cs
using Nabla.Layers;

double apple = 100, appleNum = 2, orange = 150, orangeNum = 3, tax = 1.1;
MulLayer mulAppleLayer = new(), mulOrangeLayer = new(), mulTaxLayer = new();
AddLayer addAppleOrangeLayer = new();

double applePrice = mulAppleLayer.Forward(apple, appleNum);
double orangePrice = mulOrangeLayer.Forward(orange, orangeNum);
double allPrice = addAppleOrangeLayer.Forward(applePrice, orangePrice);
double price = mulTaxLayer.Forward(allPrice, tax);

var (dAllPrice, dTax) = mulTaxLayer.Backward(1);
var (dApplePrice, dOrangePrice) = addAppleOrangeLayer.Backward(dAllPrice);
var (dOrange, dOrangeNum) = mulOrangeLayer.Backward(dOrangePrice);
var (dApple, dAppleNum) = mulAppleLayer.Backward(dApplePrice);

Console.WriteLine($"price: {(int)price}");
Console.WriteLine($"dApple: {dApple:R}");
Console.WriteLine($"dApple_num: {(int)dAppleNum}");
Console.WriteLine($"dOrange: {dOrange:R}");
Console.WriteLine($"dOrange_num: {(int)dOrangeNum}");
Console.WriteLine($"dTax: {dTax:R}");
