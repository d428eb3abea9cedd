using System.Xml.Linq;
using Nabla.Autograd;
using Nabla.Cli;
using static Nabla.Autograd.Ops;

namespace Nabla.Tests.AutogradEngine;

/// <summary>Drawings (DOT against a golden file, SVG as XML), the formula parser, and <c>nabla graph</c>.</summary>
public class GraphTests
{
    private static Variable<double> BuyApple()
    {
        var apple = new Variable<double>(100.0, "apple"); var num = new Variable<double>(2.0, "apple_num"); var tax = new Variable<double>(1.1, "tax");
        var price = apple * num * tax;
        price.Name = "price";
        price.Backward(retainGrad: true);
        return price;
    }

    private static string Golden(string name)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
        {
            string p = Path.Combine(d.FullName, "tests", "Nabla.Tests", "Autograd", name);
            if (File.Exists(p)) return File.ReadAllText(p);
        }
        throw new FileNotFoundException($"golden file {name} not found above {AppContext.BaseDirectory}");
    }

    [Fact]
    public void DotOfTheApplesGraphMatchesTheGoldenFile() =>
        Assert.Equal(Golden("buy-apple.golden.dot").ReplaceLineEndings("\n"), Graph.ToDot(BuyApple()));

    [Fact]
    public void SvgIsWellFormedAndHoldsEveryLabel()
    {
        var price = BuyApple();
        var doc = XDocument.Parse(Graph.ToSvg(price));
        XNamespace svg = "http://www.w3.org/2000/svg";
        Assert.Equal(svg + "svg", doc.Root!.Name);
        var texts = doc.Descendants(svg + "text").Select(t => t.Value).ToList();
        foreach (var label in new[] { "apple", "100", "grad 2.2", "apple_num", "2", "grad 110", "tax", "1.1", "grad 200", "200", "grad 1.1", "price", "220", "grad 1", "×" })
            Assert.Contains(label, texts);
        Assert.Equal(7, doc.Descendants(svg + "g").Count());      // 5 variables, 2 functions
        Assert.Equal(6, doc.Descendants(svg + "path").Count(p => p.Attribute("marker-end") is not null));
    }

    [Fact]
    public void SvgOfALargerGraphShowsShapesAndEscapesText()
    {
        var x = new Variable<double>(Tensor<double>.RandomNormal(1, 20, 4), "x<in>");
        var w = new Variable<double>(Tensor<double>.RandomNormal(2, 4, 3), "W");
        var y = Sum(Tanh(MatMul(x, w)) * x.Sum(1, keepDims: true));
        var doc = XDocument.Parse(Graph.ToSvg(y));
        var texts = doc.Descendants().Where(e => e.Name.LocalName == "text").Select(t => t.Value).ToList();
        Assert.Contains("x<in>", texts);
        Assert.Contains("(20, 4)", texts);
        Assert.Contains("MatMul", texts);
        Assert.Contains("Tanh", texts);
        Assert.Contains("axis=1, keepdims", texts);
    }

    [Fact]
    public void ALeafAloneDrawsAsOneNode()
    {
        var x = new Variable<double>(3.0, "x");
        Assert.Contains("v0 [label=\"x\\n3\"", Graph.ToDot(x));
        var doc = XDocument.Parse(Graph.ToSvg(x));
        Assert.Single(doc.Descendants(), e => e.Name.LocalName == "g");
        Assert.Throws<ArgumentException>(() => Graph.Save(x, "graph.png"));
    }

    [Fact]
    public void ExpressionsEvaluateAndDifferentiate()
    {
        var e = Expression.Parse("x**4 - 2*x**2 + sin(x*y) / exp(-y) + relu(x) - sigmoid(y) * tanh(x) + log(y) + 2**x + -x**2");
        Assert.Equal(["x", "y"], e.VariableNames);
        var (f, inputs) = e.Evaluate<double>(new Dictionary<string, double> { ["x"] = 1.5, ["y"] = 0.7 });
        double x = 1.5, y = 0.7, s = 1 / (1 + Math.Exp(-y));
        double expected = Math.Pow(x, 4) - 2 * x * x + Math.Sin(x * y) / Math.Exp(-y) + x - s * Math.Tanh(x) + Math.Log(y) + Math.Pow(2, x) - x * x;
        Assert.Equal(expected, f.Data.ToScalar(), 12);
        f.Backward();
        double dx = 4 * x * x * x - 4 * x + y * Math.Cos(x * y) * Math.Exp(y) + 1 - s * (1 - Math.Tanh(x) * Math.Tanh(x)) + Math.Log(2) * Math.Pow(2, x) - 2 * x;
        double dy = x * Math.Cos(x * y) * Math.Exp(y) + Math.Sin(x * y) * Math.Exp(y) - s * (1 - s) * Math.Tanh(x) + 1 / y;
        Assert.Equal(dx, inputs["x"].Grad!.Data.ToScalar(), 10);
        Assert.Equal(dy, inputs["y"].Grad!.Data.ToScalar(), 10);
        // Python's precedence: -2**2 is -4, and ** groups to the right: 2**3**2 is 2**9.
        Assert.Equal(-4, Expression.Parse("-2**2").Evaluate<double>(new Dictionary<string, double>()).Output.Data.ToScalar());
        Assert.Equal(512, Expression.Parse("2**3**2").Evaluate<double>(new Dictionary<string, double>()).Output.Data.ToScalar(), 10);
        Assert.Equal(14, Expression.Parse("2 + 3 * 4").Evaluate<double>(new Dictionary<string, double>()).Output.Data.ToScalar());
    }

    [Theory]
    [InlineData("x +* y", "column 4", "expected a number, a name or '('")]
    [InlineData("(x + y", "column 7", "expected ')'")]
    [InlineData("x y", "column 3", "expected an operator")]
    [InlineData("", "column 1", "expected a formula")]
    [InlineData("foo(x)", "column 1", "unknown function 'foo'")]
    [InlineData("exp + 1", "column 1", "'exp' is a function")]
    [InlineData("x + $", "column 5", "found '$'")]
    [InlineData("1.2.3", "column 1", "expected a number")]
    public void BadFormulasNameTheColumn(string formula, string column, string what)
    {
        var e = Assert.Throws<FormatException>(() => Expression.Parse(formula));
        Assert.Contains(column, e.Message);
        Assert.Contains(what, e.Message);
    }

    [Fact]
    public void AnUnknownVariableIsNamed()
    {
        var e = Assert.Throws<ArgumentException>(() => Expression.Parse("x + zeta").Evaluate<double>(new Dictionary<string, double> { ["x"] = 1 }));
        Assert.Contains("'zeta'", e.Message);
        Assert.Contains("column 5", e.Message);
    }

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter(); var e = new StringWriter();
        int code = App.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    [Fact]
    public void CliDrawsTheBooksGraphsWithGradients()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"nabla-graph-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            var (code, output, err) = Run("graph", "buy-apple-orange", "--backward", "--out", Path.Combine(dir, "g.svg"));
            Assert.True(code == 0, err);
            foreach (var line in new[] { "price = 715", "dprice/dapple = 2.2", "dprice/dapple_num = 110", "dprice/dorange = 3.3", "dprice/dorange_num = 165", "dprice/dtax = 650" })
                Assert.Contains(line, output);
            XDocument.Load(Path.Combine(dir, "g.svg"));

            (code, output, err) = Run("graph", "buy-apple", "--out", Path.Combine(dir, "g.dot"));
            Assert.True(code == 0, err);
            Assert.Contains("price = 220", output);
            Assert.StartsWith("digraph", File.ReadAllText(Path.Combine(dir, "g.dot")));

            (code, output, err) = Run("graph", "x**2 * y", "--at", "x=3,y=4", "--backward", "--out", Path.Combine(dir, "e.svg"));
            Assert.True(code == 0, err);
            Assert.Contains("f = 36", output); Assert.Contains("df/dx = 24", output); Assert.Contains("df/dy = 9", output);

            (code, output, err) = Run("graph", "two-layer-net", "--backward", "--out", Path.Combine(dir, "t.svg"));
            Assert.True(code == 0, err);
            Assert.Contains("dloss/dW1 = (4, 3)", output);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData("column 4", "x +* y", "--at", "x=1,y=2")]
    [InlineData("unknown function 'foo'", "foo(x)", "--at", "x=1")]
    [InlineData("'z'", "x + z", "--at", "x=1")]
    [InlineData("--at", "x + 1", "--at", "x:1")]
    [InlineData("--out", "x", "--out", "g.png")]
    public void CliBadInputIsOneLine(string expected, params string[] args)
    {
        var (code, _, err) = Run(["graph", .. args]);
        Assert.NotEqual(0, code);
        Assert.Contains(expected, err);
        Assert.DoesNotContain("   at ", err);
    }
}
