using System.Numerics;
using Nabla.Optimizers;

namespace Nabla.Autograd;

/// <summary>
/// A model's parameters and gradients as the name → tensor dictionaries that Nabla's optimizers take.
/// The dictionaries (and the gradient buffers in them) stay the same from step to step, so an optimizer keeps
/// its per-parameter state; <see cref="Step"/> copies each parameter's latest gradient in and updates.
/// </summary>
public sealed class OptimizerView<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly (string Name, Parameter<T> Param)[] _params;
    private readonly Dictionary<string, Tensor<T>> _values = [];
    private readonly Dictionary<string, Tensor<T>> _grads = [];

    /// <summary>Views every parameter of <paramref name="model"/>, by dotted name.</summary>
    public OptimizerView(Layer<T> model)
    {
        ArgumentNullException.ThrowIfNull(model);
        _params = model.Parameters().ToArray();
        foreach (var (name, p) in _params)
        {
            _values[name] = p.Data;
            _grads[name] = Tensor<T>.ZerosLike(p.Data);
        }
    }

    /// <summary>Parameter values by name (the parameters' own tensors: updates change the model).</summary>
    public IReadOnlyDictionary<string, Tensor<T>> Params => _values;

    /// <summary>The gradients copied by the last <see cref="Step"/>, by name.</summary>
    public IReadOnlyDictionary<string, Tensor<T>> Grads => _grads;

    /// <summary>Copies every parameter's gradient (zero where it has none) and lets <paramref name="optimizer"/> update the parameters in place.</summary>
    public void Step(IOptimizer<T> optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        foreach (var (name, p) in _params)
        {
            if (!ReferenceEquals(_values[name], p.Data))
                throw new InvalidOperationException($"OptimizerView: parameter '{name}' was given a new tensor after the view was made; make a new view.");
            var g = _grads[name];
            if (p.Grad is null) g.Fill(T.Zero);
            else p.Grad.Data.CopyTo(g);
        }
        optimizer.Update(_values, _grads);
    }
}
