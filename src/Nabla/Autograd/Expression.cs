using System.Globalization;
using System.Numerics;

namespace Nabla.Autograd;

/// <summary>
/// A formula over named variables, parsed once and evaluated on the engine so that its graph can be drawn
/// and differentiated: numbers, names, <c>+ - * / **</c>, parentheses, unary minus, and the functions
/// <c>exp log sin cos tanh sigmoid relu</c>. <c>**</c> binds tighter than unary minus and groups to the
/// right, as in Python: <c>-x**2</c> is <c>-(x**2)</c>. A syntax error throws <see cref="FormatException"/>
/// naming the column (1-based) and what was expected.
/// </summary>
public sealed class Expression
{
    private static readonly string[] FunctionNames = ["exp", "log", "sin", "cos", "tanh", "sigmoid", "relu"];
    private readonly Node _root;

    private Expression(string text, Node root, List<string> names) { Text = text; _root = root; VariableNames = names; }

    /// <summary>The formula as given.</summary>
    public string Text { get; }

    /// <summary>The variable names, in order of first appearance.</summary>
    public IReadOnlyList<string> VariableNames { get; }

    /// <summary>Parses <paramref name="text"/>.</summary>
    /// <exception cref="FormatException">A syntax error or an unknown function, naming the column.</exception>
    public static Expression Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var p = new Parser(text);
        var root = p.ParseAll();
        return new Expression(text, root, p.Names);
    }

    /// <summary>
    /// Builds the formula's graph with one named scalar <see cref="Variable{T}"/> per name (a name used twice is one
    /// variable, whose gradients add), and returns the output and those inputs.
    /// </summary>
    /// <exception cref="ArgumentException">A name without a value (naming it and its column).</exception>
    public (Variable<T> Output, IReadOnlyDictionary<string, Variable<T>> Inputs) Evaluate<T>(IReadOnlyDictionary<string, double> values)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(values);
        var inputs = new Dictionary<string, Variable<T>>();
        foreach (var name in VariableNames)
        {
            if (!values.TryGetValue(name, out double v))
            {
                int col = Text.IndexOf(name, StringComparison.Ordinal) + 1;
                throw new ArgumentException($"unknown variable '{name}' (column {col}): no value was given for it{(values.Count > 0 ? $" (values were given for {string.Join(", ", values.Keys)})" : "")}.");
            }
            inputs[name] = new Variable<T>(T.CreateChecked(v), name);
        }
        return (Eval(_root, inputs), inputs);
    }

    private static Variable<T> Eval<T>(Node n, Dictionary<string, Variable<T>> inputs) where T : unmanaged, IFloatingPointIeee754<T> => n switch
    {
        Num num => Variable<T>.Constant(Tensor<T>.Scalar(T.CreateChecked(num.Value)), num.Text),
        Name name => inputs[name.Id],
        Unary u => -Eval(u.Operand, inputs),
        Call c => c.Function switch
        {
            "exp" => Ops.Exp(Eval(c.Arg, inputs)),
            "log" => Ops.Log(Eval(c.Arg, inputs)),
            "sin" => Ops.Sin(Eval(c.Arg, inputs)),
            "cos" => Ops.Cos(Eval(c.Arg, inputs)),
            "tanh" => Ops.Tanh(Eval(c.Arg, inputs)),
            "sigmoid" => Ops.Sigmoid(Eval(c.Arg, inputs)),
            _ => Ops.Relu(Eval(c.Arg, inputs)),
        },
        Bin { Op: '^' } b when Constant(b.Right) is double c => Ops.Pow(Eval(b.Left, inputs), T.CreateChecked(c)),
        Bin { Op: '^' } b => Ops.Exp(Eval(b.Right, inputs) * Ops.Log(Eval(b.Left, inputs))),
        Bin b => b.Op switch
        {
            '+' => Eval(b.Left, inputs) + Eval(b.Right, inputs),
            '-' => Eval(b.Left, inputs) - Eval(b.Right, inputs),
            '*' => Eval(b.Left, inputs) * Eval(b.Right, inputs),
            _ => Eval(b.Left, inputs) / Eval(b.Right, inputs),
        },
        _ => throw new InvalidOperationException("unreachable"),
    };

    /// <summary>The value of a sub-formula without names (a constant exponent), or null.</summary>
    private static double? Constant(Node n) => n switch
    {
        Num num => num.Value,
        Unary u => -Constant(u.Operand),
        _ => null,
    };

    private abstract record Node;
    private sealed record Num(double Value, string Text) : Node;
    private sealed record Name(string Id) : Node;
    private sealed record Unary(Node Operand) : Node;
    private sealed record Call(string Function, Node Arg) : Node;
    private sealed record Bin(char Op, Node Left, Node Right) : Node;

    private sealed class Parser(string text)
    {
        private int _pos;
        public List<string> Names { get; } = [];

        public Node ParseAll()
        {
            SkipSpace();
            if (_pos >= text.Length) throw Error("expected a formula, found the end");
            var n = ParseSum();
            SkipSpace();
            if (_pos < text.Length) throw Error($"expected an operator (+ - * / **) or the end, found '{text[_pos]}'");
            return n;
        }

        private FormatException Error(string what) => new($"column {_pos + 1}: {what}.");

        private void SkipSpace() { while (_pos < text.Length && char.IsWhiteSpace(text[_pos])) _pos++; }

        private bool Accept(string s)
        {
            SkipSpace();
            if (string.CompareOrdinal(text, _pos, s, 0, s.Length) != 0) return false;
            if (s == "*" && _pos + 1 < text.Length && text[_pos + 1] == '*') return false;
            _pos += s.Length;
            return true;
        }

        private Node ParseSum()
        {
            var left = ParseProduct();
            while (true)
            {
                if (Accept("+")) left = new Bin('+', left, ParseProduct());
                else if (Accept("-")) left = new Bin('-', left, ParseProduct());
                else return left;
            }
        }

        private Node ParseProduct()
        {
            var left = ParseUnary();
            while (true)
            {
                if (Accept("*")) left = new Bin('*', left, ParseUnary());
                else if (Accept("/")) left = new Bin('/', left, ParseUnary());
                else return left;
            }
        }

        private Node ParseUnary()
        {
            if (Accept("-")) return new Unary(ParseUnary());
            if (Accept("+")) return ParseUnary();
            return ParsePower();
        }

        private Node ParsePower()
        {
            var b = ParseAtom();
            if (Accept("**")) return new Bin('^', b, ParseUnary());
            return b;
        }

        private Node ParseAtom()
        {
            SkipSpace();
            if (_pos >= text.Length) throw Error("expected a number, a name or '(', found the end");
            char c = text[_pos];
            if (char.IsDigit(c) || c == '.')
            {
                int start = _pos;
                while (_pos < text.Length && (char.IsDigit(text[_pos]) || text[_pos] == '.')) _pos++;
                if (_pos < text.Length && (text[_pos] == 'e' || text[_pos] == 'E'))
                {
                    int save = _pos++;
                    if (_pos < text.Length && (text[_pos] == '+' || text[_pos] == '-')) _pos++;
                    if (_pos < text.Length && char.IsDigit(text[_pos])) { while (_pos < text.Length && char.IsDigit(text[_pos])) _pos++; }
                    else _pos = save;
                }
                string s = text[start.._pos];
                if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
                {
                    _pos = start;
                    throw Error($"expected a number, found '{s}'");
                }
                return new Num(v, s);
            }
            if (char.IsLetter(c) || c == '_')
            {
                int start = _pos;
                while (_pos < text.Length && (char.IsLetterOrDigit(text[_pos]) || text[_pos] == '_')) _pos++;
                string id = text[start.._pos];
                SkipSpace();
                if (_pos < text.Length && text[_pos] == '(')
                {
                    if (!FunctionNames.Contains(id))
                    {
                        _pos = start;
                        throw Error($"unknown function '{id}' (known: {string.Join(", ", FunctionNames)})");
                    }
                    _pos++;
                    var arg = ParseSum();
                    if (!Accept(")")) throw Error(_pos >= text.Length ? "expected ')', found the end" : $"expected ')', found '{text[_pos]}'");
                    return new Call(id, arg);
                }
                if (FunctionNames.Contains(id))
                {
                    _pos = start;
                    throw Error($"'{id}' is a function: expected '{id}(' followed by its argument");
                }
                if (!Names.Contains(id)) Names.Add(id);
                return new Name(id);
            }
            if (c == '(')
            {
                _pos++;
                var inner = ParseSum();
                if (!Accept(")")) throw Error(_pos >= text.Length ? "expected ')', found the end" : $"expected ')', found '{text[_pos]}'");
                return inner;
            }
            throw Error($"expected a number, a name or '(', found '{c}'");
        }
    }
}
