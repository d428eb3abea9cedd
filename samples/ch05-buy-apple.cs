#:project ../src/Nabla/Nabla.csproj
// Chapter 5 (5.4.1, buy_apple.py): the apple shopping graph through multiplication layers, forward then backward.
// The book prints price: 220, dApple: 2.2, dApple_num: 110, dTax: 200. Run: dotnet run samples/ch05-buy-apple.cs
using Nabla.Layers;

double apple = 100, appleNum = 2, tax = 1.1;
var mulAppleLayer = new MulLayer();
var mulTaxLayer = new MulLayer();

double applePrice = mulAppleLayer.Forward(apple, appleNum);
double price = mulTaxLayer.Forward(applePrice, tax);

var (dApplePrice, dTax) = mulTaxLayer.Backward(1);
var (dApple, dAppleNum) = mulAppleLayer.Backward(dApplePrice);

Console.WriteLine($"price: {(int)price}");
Console.WriteLine($"dApple: {dApple:R}");
Console.WriteLine($"dApple_num: {(int)dAppleNum}");
Console.WriteLine($"dTax: {dTax:R}");
