using System.Numerics;
using Nabla.Optimizers;

namespace Nabla.Autograd;

/// <summary>
/// A model's parameters and gradients as the name → tensor dictionaries that Nabla's optimizers take.
/// <see cref="Step"/> hands the optimizer the parameters' own tensors and their latest gradients (no copy; zeros for a
/// parameter without one); the optimizer keeps its per-parameter state by name from step to step.
/// </summary>
public sealed class OptimizerView<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly (string Name, Parameter<T> Param)[] _params;
    private readonly Dictionary<string, Tensor<T>> _values = [];
    private readonly Dictionary<string, Tensor<T>> _zeros = [];
    private Dictionary<string, Tensor<T>> _grads = [];

    /// <summary>Views every parameter of <paramref name="model"/>, by dotted name.</summary>
    public OptimizerView(Layer<T> model)
    {
        ArgumentNullException.ThrowIfNull(model);
        _params = model.Parameters().ToArray();
        foreach (var (name, p) in _params)
        {
            _values[name] = p.Data;
            _grads[name] = _zeros[name] = Tensor<T>.ZerosLike(p.Data);
        }
    }

    /// <summary>Parameter values by name (the parameters' own tensors: updates change the model).</summary>
    public IReadOnlyDictionary<string, Tensor<T>> Params => _values;

    /// <summary>The gradients the last <see cref="Step"/> used, by name.</summary>
    public IReadOnlyDictionary<string, Tensor<T>> Grads => _grads;

    /// <summary>Lets <paramref name="optimizer"/> update every parameter in place from its gradient (zero where it has none).</summary>
    public void Step(IOptimizer<T> optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        // The optimizers cache what a dictionary held, so a gradient in a new tensor needs a new dictionary. A parameter's
        // gradient normally stays in the same tensor from step to step (see Variable.Grad), and then so does the dictionary.
        bool same = true;
        for (int i = 0; i < _params.Length; i++)
        {
            var (name, p) = _params[i];
            if (!ReferenceEquals(_values[name], p.Data))
                throw new InvalidOperationException($"OptimizerView: parameter '{name}' was given a new tensor after the view was made; make a new view.");
            same &= ReferenceEquals(_grads[name], p.Grad?.Data ?? _zeros[name]);
        }
        if (!same)
        {
            var grads = new Dictionary<string, Tensor<T>>(_params.Length);
            foreach (var (name, p) in _params) grads[name] = p.Grad?.Data ?? _zeros[name];
            _grads = grads;
        }
        optimizer.Update(_values, _grads);
    }
}
