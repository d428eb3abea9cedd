using System.Globalization;
using System.Numerics;
using System.Text;

namespace Nabla.Autograd;

/// <summary>
/// Drawings of the computational graph behind a variable, as the book draws them: values flow left to
/// right; each variable shows its name, its value (scalars and tensors of up to <see cref="GraphOptions.MaxValues"/>
/// elements, otherwise its shape) and, after backward, its gradient; each function shows its operation.
/// <see cref="ToDot{T}"/> writes Graphviz DOT; <see cref="ToSvg{T}"/> lays the graph out itself (no Graphviz needed).
/// </summary>
public static class Graph
{
    /// <summary>The graph behind <paramref name="output"/> in Graphviz DOT (<c>dot -Tpng</c> draws it).</summary>
    public static string ToDot<T>(Variable<T> output, GraphOptions? options = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = Layout.Build(output, options ?? new GraphOptions());
        var sb = new StringBuilder();
        sb.Append("digraph g {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=11];\n");
        foreach (var n in g.Nodes)
        {
            string label = string.Join("\\n", n.Lines.Select(DotEscape));
            sb.Append(n.IsFunction
                ? $"  {n.Id} [label=\"{label}\", shape=ellipse, style=filled, fillcolor=\"#cfe3ff\"];\n"
                : $"  {n.Id} [label=\"{label}\", shape=box, style=\"rounded,filled\", fillcolor=\"{(n.IsConstant ? "#eeeeee" : "#ffe8a8")}\"];\n");
        }
        foreach (var (from, to) in g.Edges) sb.Append($"  {from.Id} -> {to.Id};\n");
        sb.Append("}\n");
        return sb.ToString();
    }

    /// <summary>The graph behind <paramref name="output"/> as a standalone SVG drawing, laid out in columns from inputs to output.</summary>
    public static string ToSvg<T>(Variable<T> output, GraphOptions? options = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = Layout.Build(output, options ?? new GraphOptions());
        const double charW = 7.2, lineH = 15, padX = 10, padY = 7, colGap = 46, rowGap = 18, margin = 16;
        foreach (var n in g.Nodes)
        {
            double textW = n.Lines.Max(l => l.Length) * charW;
            n.W = n.IsFunction ? Math.Max(40, textW + 2 * padX + 6) : Math.Max(44, textW + 2 * padX);
            n.H = n.IsFunction ? Math.Max(34, n.Lines.Count * lineH + 2 * padY) : n.Lines.Count * lineH + 2 * padY;
        }
        var columns = g.Nodes.GroupBy(n => n.Column).OrderBy(c => c.Key).Select(c => c.OrderBy(n => n.Row).ToList()).ToList();
        double totalH = columns.Max(c => c.Sum(n => n.H) + rowGap * (c.Count - 1));
        double x = margin;
        foreach (var col in columns)
        {
            double w = col.Max(n => n.W);
            double h = col.Sum(n => n.H) + rowGap * (col.Count - 1);
            double y = margin + (totalH - h) / 2;
            foreach (var n in col) { n.X = x + (w - n.W) / 2; n.Y = y; y += n.H + rowGap; }
            x += w + colGap;
        }
        double width = x - colGap + margin, height = totalH + 2 * margin;
        var inv = CultureInfo.InvariantCulture;
        string F(double v) => v.ToString("0.#", inv);
        var sb = new StringBuilder();
        sb.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{F(width)}\" height=\"{F(height)}\" viewBox=\"0 0 {F(width)} {F(height)}\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n");
        sb.Append("  <defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#555\"/></marker></defs>\n");
        sb.Append($"  <rect width=\"{F(width)}\" height=\"{F(height)}\" fill=\"white\"/>\n");
        foreach (var (a, b) in g.Edges)
        {
            double x1 = a.X + a.W, y1 = a.Y + a.H / 2, x2 = b.X, y2 = b.Y + b.H / 2, mx = (x1 + x2) / 2;
            sb.Append($"  <path d=\"M {F(x1)} {F(y1)} C {F(mx)} {F(y1)}, {F(mx)} {F(y2)}, {F(x2)} {F(y2)}\" fill=\"none\" stroke=\"#555\" stroke-width=\"1.3\" marker-end=\"url(#arrow)\"/>\n");
        }
        foreach (var n in g.Nodes)
        {
            sb.Append($"  <g id=\"{n.Id}\">\n");
            if (n.IsFunction)
                sb.Append($"    <ellipse cx=\"{F(n.X + n.W / 2)}\" cy=\"{F(n.Y + n.H / 2)}\" rx=\"{F(n.W / 2)}\" ry=\"{F(n.H / 2)}\" fill=\"#cfe3ff\" stroke=\"#3b6db3\"/>\n");
            else
                sb.Append($"    <rect x=\"{F(n.X)}\" y=\"{F(n.Y)}\" width=\"{F(n.W)}\" height=\"{F(n.H)}\" rx=\"6\" fill=\"{(n.IsConstant ? "#eeeeee" : "#ffe8a8")}\" stroke=\"{(n.IsConstant ? "#999" : "#b38a1b")}\"/>\n");
            double ty = n.Y + n.H / 2 - (n.Lines.Count - 1) * lineH / 2 + 4;
            for (int i = 0; i < n.Lines.Count; i++)
            {
                string style = i == 0 && !n.IsFunction && n.HasName ? " font-weight=\"bold\"" : n.Lines[i].StartsWith("grad", StringComparison.Ordinal) ? " fill=\"#b3261e\"" : "";
                sb.Append($"    <text x=\"{F(n.X + n.W / 2)}\" y=\"{F(ty + i * lineH)}\" text-anchor=\"middle\"{style}>{XmlEscape(n.Lines[i])}</text>\n");
            }
            sb.Append("  </g>\n");
        }
        sb.Append("</svg>\n");
        return sb.ToString();
    }

    /// <summary>Writes <see cref="ToSvg{T}"/> or <see cref="ToDot{T}"/> to <paramref name="path"/>, chosen by its extension (.svg or .dot).</summary>
    public static void Save<T>(Variable<T> output, string path, GraphOptions? options = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        string ext = Path.GetExtension(path).ToLowerInvariant();
        string text = ext switch
        {
            ".svg" => ToSvg(output, options),
            ".dot" or ".gv" => ToDot(output, options),
            _ => throw new ArgumentException($"Graph: cannot tell the format of '{path}': use .svg or .dot."),
        };
        File.WriteAllText(path, text);
    }

    private static string DotEscape(string s) => s.Replace("\\", "\\\\").Replace("\"", "\\\"");
    private static string XmlEscape(string s) => s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;");

    internal sealed class Node
    {
        public string Id = "";
        public bool IsFunction, IsConstant, HasName;
        public List<string> Lines = [];
        public int Column;
        public double Row;
        public double X, Y, W, H;
        public object Key = null!;
    }

    internal sealed class Layout
    {
        public List<Node> Nodes = [];
        public List<(Node From, Node To)> Edges = [];

        public static Layout Build<T>(Variable<T> output, GraphOptions o) where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(output);
            var vars = new Dictionary<Variable<T>, Node>(ReferenceEqualityComparer.Instance);
            var funcs = new Dictionary<Function<T>, Node>(ReferenceEqualityComparer.Instance);
            var order = new List<Node>();
            var edges = new List<(Node, Node)>();
            var funcList = new List<Function<T>>();

            Node VarNode(Variable<T> v)
            {
                if (vars.TryGetValue(v, out var n)) return n;
                n = new Node { Key = v, IsConstant = !v.RequiresGrad, HasName = v.Name is not null, Lines = VariableLines(v, o) };
                vars[v] = n; order.Add(n);
                return n;
            }

            // Walk back from the output through creators (each function once).
            var stack = new Stack<Variable<T>>();
            stack.Push(output);
            VarNode(output);
            while (stack.Count > 0)
            {
                var v = stack.Pop();
                var f = v.Creator;
                if (f is null || funcs.ContainsKey(f)) continue;
                var fn = new Node { Key = f, IsFunction = true, Lines = FunctionLines(f) };
                funcs[f] = fn; order.Add(fn); funcList.Add(f);
                foreach (var y in f.LiveOutputs()) if (y is not null) edges.Add((fn, VarNode(y)));
                foreach (var x in f.Inputs)
                {
                    bool seen = vars.ContainsKey(x);
                    edges.Add((VarNode(x), fn));
                    if (!seen) stack.Push(x);
                }
            }

            // Columns: a function one right of its rightmost input, its outputs one right of it; a leaf sits just left of its first consumer.
            var col = new Dictionary<Node, int>();
            foreach (var f in funcList.OrderBy(f => f.Generation))
            {
                int c = 1;
                foreach (var x in f.Inputs) if (x.Creator is not null && vars.TryGetValue(x, out var xn) && col.TryGetValue(xn, out int xc)) c = Math.Max(c, xc + 1);
                col[funcs[f]] = c;
                foreach (var y in f.LiveOutputs()) if (y is not null && vars.TryGetValue(y, out var yn)) col[yn] = Math.Max(col.GetValueOrDefault(yn), c + 1);
            }
            foreach (var n in order)
                if (!col.ContainsKey(n))
                {
                    var consumers = edges.Where(e => e.Item1 == n).Select(e => col.GetValueOrDefault(e.Item2, 1)).ToList();
                    col[n] = consumers.Count == 0 ? 0 : consumers.Min() - 1;
                }
            int min = col.Values.Min();
            foreach (var n in order) n.Column = col[n] - min;

            // Rows: the order of a depth-first walk from the output that visits a function's inputs first to last (so
            // the book's "apple, apple_num" stay in that order), then one left-to-right sweep that moves each node
            // towards the mean row of its neighbours in earlier columns, which removes most crossings.
            var key = new Dictionary<Node, int>();
            var walk = new Stack<Node>();
            walk.Push(vars[output]);
            var inputsOf = edges.GroupBy(e => e.Item2).ToDictionary(g => g.Key, g => g.Select(e => e.Item1).ToList());
            while (walk.Count > 0)
            {
                var n = walk.Pop();
                if (key.ContainsKey(n)) continue;
                key[n] = key.Count;
                if (inputsOf.TryGetValue(n, out var ins))
                    for (int i = ins.Count - 1; i >= 0; i--) if (!key.ContainsKey(ins[i])) walk.Push(ins[i]);
            }
            foreach (var n in order) if (!key.ContainsKey(n)) key[n] = key.Count;
            var byCol = order.GroupBy(n => n.Column).OrderBy(g => g.Key).Select(g => g.OrderBy(n => key[n]).ToList()).ToList();
            foreach (var list in byCol) for (int i = 0; i < list.Count; i++) list[i].Row = i;
            foreach (var list in byCol.Skip(1))
            {
                double Bary(Node n)
                {
                    var nb = edges.Where(e => e.Item2 == n && e.Item1.Column < n.Column).Select(e => e.Item1)
                        .Concat(edges.Where(e => e.Item1 == n && e.Item2.Column < n.Column).Select(e => e.Item2)).ToList();
                    return nb.Count == 0 ? n.Row : nb.Average(m => m.Row);
                }
                var sorted = list.Select(n => (n, b: Bary(n))).OrderBy(t => t.b).ThenBy(t => key[t.n]).Select(t => t.n).ToList();
                for (int i = 0; i < sorted.Count; i++) sorted[i].Row = i;
            }

            var result = new Layout();
            result.Nodes = order.OrderBy(n => n.Column).ThenBy(n => n.Row).ToList();
            int vi = 0, fi = 0;
            foreach (var n in result.Nodes) n.Id = n.IsFunction ? $"f{fi++}" : $"v{vi++}";
            result.Edges = edges.OrderBy(e => e.Item2.Column).ThenBy(e => e.Item2.Row).ThenBy(e => e.Item1.Row).ToList();
            return result;
        }

        private static List<string> VariableLines<T>(Variable<T> v, GraphOptions o) where T : unmanaged, IFloatingPointIeee754<T>
        {
            var lines = new List<string>();
            if (v.Name is not null) lines.Add(v.Name);
            lines.Add(Describe(v.Data, o));
            if (v.Grad is not null) lines.Add("grad " + Describe(v.Grad.Data, o));
            return lines;
        }

        private static string Describe<T>(Tensor<T> t, GraphOptions o) where T : unmanaged, IFloatingPointIeee754<T>
        {
            string Num(T x) => double.CreateTruncating(x).ToString(o.NumberFormat, CultureInfo.InvariantCulture);
            if (t.Rank == 0) return Num(t.Span[0]);
            string shape = Tensor<T>.ShapeString(t.Shape);
            if (t.Length > o.MaxValues) return shape;
            var vals = new string[t.Length];
            for (int i = 0; i < vals.Length; i++) vals[i] = Num(t.Span[i]);
            return $"[{string.Join(", ", vals)}] {shape}";
        }

        private static List<string> FunctionLines<T>(Function<T> f) where T : unmanaged, IFloatingPointIeee754<T>
        {
            string op = f.Name switch { "Add" => "+", "Sub" => "−", "Mul" => "×", "Div" => "÷", "Neg" => "−x", _ => f.Name };
            if (f.Name == "Pow" && f.Detail is { } d) return [$"**{d[2..]}"];
            var lines = new List<string> { op };
            if (f.Detail is { } detail) lines.Add(detail);
            return lines;
        }
    }
}

/// <summary>What the drawings show.</summary>
public sealed class GraphOptions
{
    /// <summary>Tensors with at most this many elements show their values; larger ones show their shape. Default 6.</summary>
    public int MaxValues { get; init; } = 6;

    /// <summary>The .NET format of the numbers shown (default <c>G6</c>).</summary>
    public string NumberFormat { get; init; } = "G6";
}
