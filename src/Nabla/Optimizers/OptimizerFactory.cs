using System.Numerics;
using Nabla.Kernels;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Nabla.Optimizers;

/// <summary>Creates optimizers by the names the book and the CLI use.</summary>
public static class OptimizerFactory
{
    /// <summary>The accepted names.</summary>
    public static IReadOnlyList<string> Names { get; } = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"];

    /// <summary>
    /// Creates an optimizer from a name and the book's parameter dictionary, e.g.
    /// <c>Create("adam", new Dictionary&lt;string, double&gt; { ["lr"] = 0.001, ["beta1"] = 0.9 })</c>.
    /// Keys: lr (all), momentum (momentum, nesterov), decay_rate (rmsprop), beta1 and beta2 (adam); missing keys take the book's defaults.
    /// </summary>
    public static IOptimizer<T> Create<T>(string name, IReadOnlyDictionary<string, double> parameters) where T : unmanaged, IFloatingPointIeee754<T>
    {
        string key = name.ToLowerInvariant();
        string[] allowed = key switch
        {
            "momentum" or "nesterov" => ["lr", "momentum"],
            "rmsprop" => ["lr", "decay_rate"],
            "adam" => ["lr", "beta1", "beta2"],
            _ => ["lr"],
        };
        foreach (var k in parameters.Keys)
            if (!allowed.Contains(k))
                throw new ArgumentException($"Optimizer '{name}' has no parameter '{k}'; it takes {string.Join(", ", allowed)}.");
        double P(string k, double d) => parameters.TryGetValue(k, out double v) ? v : d;
        return key switch
        {
            "sgd" => new Sgd<T>(P("lr", 0.01)),
            "momentum" => new Momentum<T>(P("lr", 0.01), P("momentum", 0.9)),
            "nesterov" => new Nesterov<T>(P("lr", 0.01), P("momentum", 0.9)),
            "adagrad" => new AdaGrad<T>(P("lr", 0.01)),
            "rmsprop" => new RmsProp<T>(P("lr", 0.01), P("decay_rate", 0.99)),
            "adam" => new Adam<T>(P("lr", 0.001), P("beta1", 0.9), P("beta2", 0.999)),
            _ => throw new ArgumentException($"Unknown optimizer '{name}'; expected one of {string.Join(", ", Names)}."),
        };
    }

    /// <summary>Creates the optimizer called <paramref name="name"/> (case-insensitive) with learning rate <paramref name="lr"/>.</summary>
    public static IOptimizer<T> Create<T>(string name, double lr) where T : unmanaged, IFloatingPointIeee754<T> =>
        Create<T>(name, new Dictionary<string, double> { ["lr"] = lr });
}
