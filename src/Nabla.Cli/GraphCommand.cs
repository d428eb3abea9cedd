using System.CommandLine;
using System.Globalization;
using Nabla.Autograd;

namespace Nabla.Cli;

/// <summary>
/// <c>nabla graph buy-apple | buy-apple-orange | two-layer-net | "EXPR" --at x=3,y=4 [--backward] --out FILE.svg|.dot</c>:
/// builds the computational graph on the autograd engine, prints the output (and the gradients) and draws it.
/// </summary>
internal static class GraphCommand
{
    private static readonly Dictionary<string, (string Formula, string Values)> Examples = new()
    {
        ["buy-apple"] = ("apple * apple_num * tax", "apple=100,apple_num=2,tax=1.1"),
        ["buy-apple-orange"] = ("(apple * apple_num + orange * orange_num) * tax", "apple=100,apple_num=2,orange=150,orange_num=3,tax=1.1"),
    };

    public static Command Create(TextWriter @out)
    {
        var what = new Argument<string>("graph") { Description = "buy-apple, buy-apple-orange, two-layer-net, or a formula such as \"x**2 + sin(x*y)\"" };
        var at = new Option<string?>("--at") { Description = "values of the formula's variables, e.g. x=3,y=4 (the examples have the book's values)" };
        var backward = new Option<bool>("--backward") { Description = "run backward and show every gradient" };
        var file = new Option<string>("--out") { Description = "the drawing: FILE.svg (laid out here) or FILE.dot (Graphviz)", DefaultValueFactory = _ => "graph.svg" };
        file.Validators.Add(r =>
        {
            var v = r.GetValueOrDefault<string>() ?? "";
            string ext = Path.GetExtension(v).ToLowerInvariant();
            if (ext is not (".svg" or ".dot" or ".gv")) r.AddError($"--out: '{v}' must end in .svg or .dot.");
        });
        var cmd = new Command("graph", "Draw a computational graph with its values (and gradients) as SVG or Graphviz DOT.") { what, at, backward, file };
        cmd.SetAction(r => Run(r.GetValue(what)!, r.GetValue(at), r.GetValue(backward), r.GetValue(file)!, @out));
        return cmd;
    }

    private static int Run(string what, string? at, bool backward, string path, TextWriter @out)
    {
        Variable<double> output;
        IReadOnlyDictionary<string, Variable<double>> inputs;
        if (what == "two-layer-net")
        {
            if (at is not null) throw new CliException("--at: two-layer-net takes no values.", 2);
            var net = new Nabla.Autograd.TwoLayerNet<double>(4, 3, 3, weightInitStd: 0.5, rng: new Random(0));
            var x = Variable<double>.Constant(Tensor<double>.RandomUniform(new Random(1), 0, 1, 2, 4), "x");
            var y = net.Forward(x); y.Name = "scores";
            output = Ops.SoftmaxCrossEntropy(y, [0, 2]);
            output.Name = "loss";
            inputs = net.Parameters().ToDictionary(p => p.Name, p => (Variable<double>)p.Param);
        }
        else
        {
            var (formula, defaults) = Examples.TryGetValue(what, out var ex) ? ex : (what, "");
            Expression expr;
            try { expr = Expression.Parse(formula); }
            catch (FormatException e) { throw new CliException($"formula '{formula}': {e.Message}", 2); }
            var values = ParseValues(defaults, "");
            foreach (var (k, v) in ParseValues(at, "--at")) values[k] = v;
            try { (output, inputs) = expr.Evaluate<double>(values); }
            catch (ArgumentException e)
            {
                string missing = expr.VariableNames.FirstOrDefault(n => !values.ContainsKey(n)) ?? "x";
                throw new CliException($"formula '{formula}': {e.Message} Give it with --at {missing}=….", 2);
            }
            output.Name ??= Examples.ContainsKey(what) ? "price" : "f";
        }
        @out.WriteLine($"{output.Name} = {Format(output.Data)}");
        if (backward)
        {
            if (output.Length != 1) throw new CliException($"--backward: the output has shape {output.ShapeText}; backward needs a scalar.", 2);
            output.Backward(retainGrad: true);
            foreach (var (name, v) in inputs)
                @out.WriteLine($"d{output.Name}/d{name} = {(v.Grad is null ? "0" : Format(v.Grad.Data))}");
        }
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null && !Directory.Exists(dir)) throw new CliException($"--out: the folder '{dir}' does not exist.", 2);
        Graph.Save(output, path);
        @out.WriteLine($"wrote {path}");
        return 0;
    }

    private static string Format(Tensor<double> t) =>
        t.Length == 1 ? t.Span[0].ToString("G10", CultureInfo.InvariantCulture) : Tensor<double>.ShapeString(t.Shape);

    private static Dictionary<string, double> ParseValues(string? text, string flag)
    {
        var d = new Dictionary<string, double>();
        if (string.IsNullOrWhiteSpace(text)) return d;
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = part.IndexOf('=');
            if (eq <= 0 || !double.TryParse(part[(eq + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
                throw new CliException($"{flag}: '{part}' is not NAME=NUMBER (e.g. --at x=3,y=4).", 2);
            d[part[..eq].Trim()] = v;
        }
        return d;
    }
}
