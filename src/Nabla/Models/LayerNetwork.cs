using System.Numerics;
using Nabla.Kernels;
using Nabla.Layers;

namespace Nabla.Models;

/// <summary>
/// A network as the book writes them: an ordered list of named layers, a parameter dictionary,
/// and a <see cref="SoftmaxWithLoss{T}"/> at the end. Subclasses build the layers in their constructor.
/// </summary>
public abstract class LayerNetwork<T> : INetwork<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Dictionary<string, Tensor<T>> _params = [], _grads = [];
    private readonly List<(string Name, ILayer<T> Layer)> _layers = [];
    // Set by the last forward pass: layer i (a ReLU) ran folded into layer i + 1 (a max pooling).
    private bool[] _foldedIntoNext = [];
    private KernelOptions _options = KernelOptions.Default;

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, Tensor<T>> Params => _params;

    /// <summary>The layers in order, by the book's names.</summary>
    public IReadOnlyList<(string Name, ILayer<T> Layer)> Layers => _layers;

    /// <summary>The output layer.</summary>
    public SoftmaxWithLoss<T> LastLayer { get; } = new();

    /// <inheritdoc/>
    public T LastLoss { get; private set; }

    /// <summary>Appends a layer.</summary>
    protected TLayer Add<TLayer>(string name, TLayer layer) where TLayer : ILayer<T>
    {
        _layers.Add((name, layer));
        if (layer is Affine<T> a) a.Options = _options;
        else if (layer is Convolution<T> c) c.Options = _options;
        return layer;
    }

    /// <summary>Registers a parameter and the tensor <see cref="Gradient(Tensor{T}, Tensor{T})"/> reports for it.</summary>
    protected void Register(string name, Tensor<T> value, Tensor<T> gradient)
    {
        _params.Add(name, value);
        _grads.Add(name, gradient);
    }

    /// <summary>
    /// When true (the default), a <see cref="Relu{T}"/> directly followed by a <see cref="Pooling{T}"/> runs folded into
    /// the pooling: the pool takes the maximum of the ReLU's input and the ReLU is applied to the pooled values, a
    /// quarter as many for 2×2 windows, and likewise in backward. The results are the same values, bit for bit
    /// (max(relu(a), relu(b)) = relu(max(a, b))); only the ReLU layer's own buffers are then not filled. Set false
    /// to run every layer separately, e.g. to read the ReLU layer's output after a forward pass.
    /// </summary>
    public bool FuseReluPooling { get; set; } = true;

    /// <summary>
    /// When true (the default), a <see cref="Relu{T}"/> directly after a <see cref="Convolution{T}"/> (and not folded into a
    /// pooling after it, <see cref="FuseReluPooling"/>) runs in the convolution's forward: the convolution stores max(0, ·)
    /// of its output as it writes it, and the ReLU takes that tensor as its own output (its backward is unchanged), rather
    /// than a pass of its own over the activations. The same values, bit for bit. Set false to run every layer separately.
    /// </summary>
    public bool FuseConvolutionRelu { get; set; } = true;

    /// <summary>
    /// The kernels' settings of every layer that has them (<see cref="Affine{T}"/>, <see cref="Convolution{T}"/>); setting it
    /// sets theirs. Default <see cref="KernelOptions.Default"/>.
    /// </summary>
    public KernelOptions Options
    {
        get => _options;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            _options = value;
            foreach (var (_, layer) in _layers)
                if (layer is Affine<T> a) a.Options = value;
                else if (layer is Convolution<T> c) c.Options = value;
        }
    }

    /// <summary>Input layouts the first layer takes (an <see cref="Affine{T}"/> first layer takes sparse rows).</summary>
    public bool Accepts(TensorLayout layout) => _layers.Count > 0 ? _layers[0].Layer.Accepts(layout) : layout == TensorLayout.Dense;

    /// <summary>Whether layer i is a ReLU that runs folded into the pooling after it (<see cref="FuseReluPooling"/>).</summary>
    internal bool FoldsReluIntoPooling(int i) =>
        FuseReluPooling && i + 1 < _layers.Count && _layers[i].Layer is Relu<T> && _layers[i + 1].Layer is Pooling<T>;

    /// <summary>
    /// Whether layer i is a convolution whose ReLU after it runs in its forward (<see cref="FuseConvolutionRelu"/>): not
    /// when that ReLU is folded into a pooling instead.
    /// </summary>
    internal bool RunsReluInConvolution(int i) =>
        FuseConvolutionRelu && i + 1 < _layers.Count && _layers[i].Layer is Convolution<T> && _layers[i + 1].Layer is Relu<T> &&
        !FoldsReluIntoPooling(i + 1);

    /// <summary>
    /// The layers in order. Two steps are fused. When <see cref="FuseReluPooling"/> is on, a <see cref="Relu{T}"/> directly
    /// followed by a <see cref="Pooling{T}"/> runs as the pooling of the ReLU's input with the ReLU applied to the pooled
    /// values (<see cref="Pooling{T}.ForwardWithRelu"/>), and the ReLU's own backward is then skipped (the pooling's does it).
    /// When <see cref="FuseConvolutionRelu"/> is on, a ReLU after a convolution (and not folded into a pooling) runs in
    /// the convolution's forward (<see cref="Convolution{T}.ForwardWithRelu"/>), and the ReLU takes the
    /// rectified output as its own (<see cref="Relu{T}.Adopt"/>).
    /// </summary>
    public Tensor<T> Predict(Tensor<T> x, bool train = false)
    {
        if (_foldedIntoNext.Length != _layers.Count) _foldedIntoNext = new bool[_layers.Count];
        for (int i = 0; i < _layers.Count; i++)
        {
            var layer = _layers[i].Layer;
            _foldedIntoNext[i] = false;
            if (RunsReluInConvolution(i))
            {
                x = ((Relu<T>)_layers[i + 1].Layer).Adopt(((Convolution<T>)layer).ForwardWithRelu(x));
                _foldedIntoNext[++i] = false; // the ReLU's backward runs as usual, on the rectified output
                continue;
            }
            bool fold = FoldsReluIntoPooling(i);
            _foldedIntoNext[i] = fold;
            if (!fold) { x = layer.Forward(x, train); continue; }
            _foldedIntoNext[++i] = false;
            x = ((Pooling<T>)_layers[i].Layer).ForwardWithRelu(x, train);
        }
        return x;
    }

    /// <inheritdoc/>
    public T Loss(Tensor<T> x, Tensor<T> t, bool train = false) => LastLayer.Forward(Predict(x, train), t) + RegularizationLoss();

    /// <summary>Added to the data loss (weight decay); zero by default.</summary>
    protected virtual T RegularizationLoss() => T.Zero;

    /// <summary>Runs after backpropagation, before gradients are returned (weight decay adds λW here).</summary>
    protected virtual void AfterBackward() { }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, Tensor<T>> Gradient(Tensor<T> x, Tensor<T> t)
    {
        LastLoss = Loss(x, t, train: true);
        return Backward();
    }
    /// <summary>Backpropagation from the loss of the forward pass that just ran.</summary>
    private IReadOnlyDictionary<string, Tensor<T>> Backward()
    {
        var dout = LastLayer.Backward();
        for (int i = _layers.Count - 1; i >= 0; i--)
            if (!_foldedIntoNext[i]) dout = _layers[i].Layer.Backward(dout); // a folded ReLU's backward ran in the pooling's
        AfterBackward();
        return _grads;
    }

    /// <summary>
    /// A new network of the same layers and sizes, with its own buffers and arbitrary parameter values, for
    /// <see cref="CreateInferenceCopy"/>; null (the default) when the subclass does not make one. Only a network whose
    /// predictions depend on nothing but <see cref="Params"/> may make one (no running statistics, as a batch normalization keeps).
    /// </summary>
    protected virtual LayerNetwork<T>? CreateEmptyCopy() => null;

    /// <summary>
    /// A copy of this network for predictions on another thread — the trainer measures an epoch's accuracy on it while
    /// training goes on — with the same kernel settings and fusions; <see cref="LoadParams(IReadOnlyDictionary{string, Tensor{T}})"/>
    /// with <see cref="Params"/> brings its parameters up to date. Null when the network cannot make one (<see cref="CreateEmptyCopy"/>).
    /// </summary>
    internal LayerNetwork<T>? CreateInferenceCopy()
    {
        var copy = CreateEmptyCopy();
        if (copy is null) return null;
        copy.Options = Options;
        copy.FuseReluPooling = FuseReluPooling;
        copy.FuseConvolutionRelu = FuseConvolutionRelu;
        return copy;
    }

    /// <summary>Saves the parameters to a NumPy <c>.npz</c> (the book's <c>save_params</c>), atomically.</summary>
    public void SaveParams(string path) => IO.Npz.Write(path, Params);

    /// <summary>
    /// Loads parameters saved by <see cref="SaveParams(string)"/> (<c>.npz</c>) or the book's pickled
    /// <c>.pkl</c> files (<c>load_params</c>), checking names and shapes.
    /// </summary>
    public void LoadParams(string path)
    {
        var arrays = path.EndsWith(".pkl", StringComparison.OrdinalIgnoreCase) ? IO.Pickle.LoadArrays(path) : IO.Npz.Read(path);
        LoadParams(arrays.ToDictionary(kv => kv.Key, kv => kv.Value.ToTensor<T>()));
    }

    /// <summary>
    /// Copies parameter values from <paramref name="source"/> — a checkpoint or the book's pickled weights —
    /// checking that every name is present with the right shape.
    /// </summary>
    public void LoadParams(IReadOnlyDictionary<string, Tensor<T>> source)
    {
        foreach (var (name, p) in _params)
        {
            if (!source.TryGetValue(name, out var s))
                throw new ArgumentException($"{GetType().Name.Split('`')[0]}.LoadParams: parameter '{name}' is missing (found: {string.Join(", ", source.Keys)}).");
            if (!s.HasShape(p.Shape))
                throw new ArgumentException($"{GetType().Name.Split('`')[0]}.LoadParams: '{name}' has shape {Tensor<T>.ShapeString(s.Shape)}, the network needs {Tensor<T>.ShapeString(p.Shape)}.");
        }
        foreach (var (name, p) in _params) source[name].CopyTo(p);
    }
}
