using System.Numerics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Nabla.Layers;

/// <summary>
/// Batch normalisation (chapter 6): in training, each feature is normalised by the batch mean and
/// variance, then scaled by γ and shifted by β; running averages (momentum 0.9) are used in inference.
/// Input of any rank (N, …) is treated as (N, D), like the book.
/// </summary>
public sealed class BatchNormalization<T> : IParameterizedLayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The book's ε added to the variance: 10e-7.</summary>
    public const double Epsilon = 10e-7;

    private Tensor<T>? _out, _dx, _xc, _xn, _tmp;
    private readonly T[] _std, _mu, _var, _dstd, _dmu;
    private int _n;

    /// <summary>Creates the layer over γ and β (both of length D), which it updates in place.</summary>
    public BatchNormalization(Tensor<T> gamma, Tensor<T> beta, double momentum = 0.9)
    {
        if (gamma.Rank != 1 || !beta.HasShape(gamma.Shape))
            throw new ArgumentException($"BatchNormalization needs γ and β of the same 1-D shape, got {Tensor<T>.ShapeString(gamma.Shape)} and {Tensor<T>.ShapeString(beta.Shape)}.");
        Gamma = gamma; Beta = beta; Momentum = momentum;
        int d = gamma.Length;
        RunningMean = Tensor<T>.Zeros(d);
        RunningVar = Tensor<T>.Zeros(d);
        DGamma = Tensor<T>.Zeros(d);
        DBeta = Tensor<T>.Zeros(d);
        _std = new T[d]; _mu = new T[d]; _var = new T[d]; _dstd = new T[d]; _dmu = new T[d];
    }

    /// <summary>Scale γ.</summary>
    public Tensor<T> Gamma { get; }
    /// <summary>Shift β.</summary>
    public Tensor<T> Beta { get; }
    /// <summary>∂L/∂γ.</summary>
    public Tensor<T> DGamma { get; }
    /// <summary>∂L/∂β.</summary>
    public Tensor<T> DBeta { get; }
    /// <summary>Running mean used in inference.</summary>
    public Tensor<T> RunningMean { get; }
    /// <summary>Running variance used in inference.</summary>
    public Tensor<T> RunningVar { get; }
    /// <summary>Weight of the old running statistics in each update.</summary>
    public double Momentum { get; }

    /// <inheritdoc/>
    public IReadOnlyList<(string Role, Tensor<T> Value, Tensor<T> Gradient)> Parameters => [("gamma", Gamma, DGamma), ("beta", Beta, DBeta)];

    /// <inheritdoc/>
    public Tensor<T> Forward(Tensor<T> x, bool train = true)
    {
        var x2 = x.AsMatrix();
        int n = x2.Dim(0), d = x2.Dim(1);
        if (d != Gamma.Length)
            throw new ArgumentException($"BatchNormalization: input {Tensor<T>.ShapeString(x.Shape)} has {d} features, γ has {Gamma.Length}.");
        _n = n;
        var o = Tensor<T>.Reuse(ref _out, x.Shape);
        var xc = Tensor<T>.Reuse(ref _xc, [n, d]);
        var xn = Tensor<T>.Reuse(ref _xn, [n, d]);
        T eps = T.CreateChecked(Epsilon);
        var xs = x2.Span; var xcs = xc.Span; var xns = xn.Span;
        if (train)
        {
            T invN = T.One / T.CreateChecked(n), m = T.CreateChecked(Momentum), m1 = T.One - m;
            Tensor<T>.SumInto(xs, _mu, 1, n, d);
            TP.Multiply(_mu, invN, _mu);
            for (int i = 0; i < n; i++) TP.Subtract(xs.Slice(i * d, d), _mu, xcs.Slice(i * d, d));
            TP.Multiply(xcs, xcs, xns);
            Tensor<T>.SumInto(xns, _var, 1, n, d);
            TP.Multiply(_var, invN, _var);
            TP.Add(_var, eps, _std);
            TP.Sqrt<T>(_std, _std);
            for (int i = 0; i < n; i++) TP.Divide(xcs.Slice(i * d, d), _std, xns.Slice(i * d, d));
            var rm = RunningMean.Span; var rv = RunningVar.Span;
            TP.Multiply(rm, m, rm); TP.MultiplyAdd(_mu, m1, rm, rm);
            TP.Multiply(rv, m, rv); TP.MultiplyAdd(_var, m1, rv, rv);
        }
        else
        {
            TP.Add(RunningVar.Span, eps, _std);
            TP.Sqrt<T>(_std, _std);
            for (int i = 0; i < n; i++)
            {
                TP.Subtract(xs.Slice(i * d, d), RunningMean.Span, xcs.Slice(i * d, d));
                TP.Divide(xcs.Slice(i * d, d), _std, xns.Slice(i * d, d));
            }
        }
        var os = o.Span;
        for (int i = 0; i < n; i++) TP.MultiplyAdd(xns.Slice(i * d, d), Gamma.Span, Beta.Span, os.Slice(i * d, d));
        return o;
    }

    /// <inheritdoc/>
    public Tensor<T> Backward(Tensor<T> dout)
    {
        var xc = _xc ?? throw new InvalidOperationException("BatchNormalization.Backward called before Forward.");
        var xn = _xn!;
        int n = _n, d = Gamma.Length;
        if (dout.Length != n * d)
            throw new ArgumentException($"BatchNormalization.Backward: dout {Tensor<T>.ShapeString(dout.Shape)} does not match the forward input ({n}, {d}).");
        var dx = Tensor<T>.Reuse(ref _dx, dout.Shape);
        var tmp = Tensor<T>.Reuse(ref _tmp, [n, d]);
        var ds = dout.Span; var xcs = xc.Span; var xns = xn.Span; var ts = tmp.Span; var dxs = dx.Span;
        // dβ = Σ dout; dγ = Σ xn·dout
        Tensor<T>.SumInto(ds, DBeta.Span, 1, n, d);
        TP.Multiply(xns, ds, ts);
        Tensor<T>.SumInto(ts, DGamma.Span, 1, n, d);
        // dxn = γ·dout (into dx); dstd = −Σ dxn·xc / std²
        for (int i = 0; i < n; i++) TP.Multiply(ds.Slice(i * d, d), Gamma.Span, dxs.Slice(i * d, d));
        TP.Multiply(dxs, xcs, ts);
        Tensor<T>.SumInto(ts, _dstd, 1, n, d);
        for (int j = 0; j < d; j++) _dstd[j] = -_dstd[j] / (_std[j] * _std[j]);
        // dvar = 0.5·dstd/std; dxc = dxn/std + (2/N)·xc·dvar
        T twoOverN = T.CreateChecked(2.0) / T.CreateChecked(n), half = T.CreateChecked(0.5);
        for (int j = 0; j < d; j++) _dstd[j] = twoOverN * half * _dstd[j] / _std[j]; // now (2/N)·dvar
        for (int i = 0; i < n; i++)
        {
            var row = dxs.Slice(i * d, d);
            TP.Divide(row, _std, row);
            TP.MultiplyAdd(xcs.Slice(i * d, d), _dstd, row, row);
        }
        // dx = dxc − mean(dxc)
        Tensor<T>.SumInto(dxs, _dmu, 1, n, d);
        TP.Multiply(_dmu, T.One / T.CreateChecked(n), _dmu);
        for (int i = 0; i < n; i++) TP.Subtract(dxs.Slice(i * d, d), _dmu, dxs.Slice(i * d, d));
        return dx;
    }
}
