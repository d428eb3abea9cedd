#:project ../src/Nabla/Nabla.csproj
// The book's chapter 5 shopping graphs on the autograd engine: forward values, then every gradient by
// backward, drawn to SVG with the values and gradients on the nodes (no Graphviz needed).
// Run: dotnet run samples/autograd-shopping.cs [OUT_DIR]
using Nabla.Autograd;

string outDir = args.Length > 0 ? args[0] : "out";
Directory.CreateDirectory(outDir);

// Buying apples: price = apple × apple_num × tax
var apple = new Variable<double>(100.0, "apple");
var appleNum = new Variable<double>(2.0, "apple_num");
var tax = new Variable<double>(1.1, "tax");
var price = apple * appleNum * tax;
price.Name = "price";
price.Backward(retainGrad: true);   // keep the intermediate gradients so the drawing shows them all
Console.WriteLine($"price: {price.Data.ToScalar():G6}");
Console.WriteLine($"dApple: {apple.Grad!.Data.ToScalar():G6}, dApple_num: {appleNum.Grad!.Data.ToScalar():G6}, dTax: {tax.Grad!.Data.ToScalar():G6}");
Graph.Save(price, Path.Combine(outDir, "buy-apple.svg"));

// Buying apples and oranges: price = (apple × apple_num + orange × orange_num) × tax
apple = new Variable<double>(100.0, "apple");
appleNum = new Variable<double>(2.0, "apple_num");
var orange = new Variable<double>(150.0, "orange");
var orangeNum = new Variable<double>(3.0, "orange_num");
tax = new Variable<double>(1.1, "tax");
price = (apple * appleNum + orange * orangeNum) * tax;
price.Name = "price";
price.Backward(retainGrad: true);
Console.WriteLine($"price: {price.Data.ToScalar():G6}");
Console.WriteLine($"dApple_num: {appleNum.Grad!.Data.ToScalar():G6}, dApple: {apple.Grad!.Data.ToScalar():G6}, " +
                  $"dOrange: {orange.Grad!.Data.ToScalar():G6}, dOrange_num: {orangeNum.Grad!.Data.ToScalar():G6}, dTax: {tax.Grad!.Data.ToScalar():G6}");
Graph.Save(price, Path.Combine(outDir, "buy-apple-orange.svg"));
Graph.Save(price, Path.Combine(outDir, "buy-apple-orange.dot"));
Console.WriteLine($"wrote {outDir}/buy-apple.svg, {outDir}/buy-apple-orange.svg and .dot");
