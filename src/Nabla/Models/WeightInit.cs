namespace Nabla.Models;

/// <summary>
/// How to draw initial weights (chapter 6): a fixed standard deviation, He (√(2/n), for ReLU) or
/// Xavier (√(1/n), for sigmoid), where n is the number of inputs to the layer.
/// </summary>
public readonly record struct WeightInit
{
    private WeightInit(double? std, string name) { FixedStd = std; Name = name; }

    /// <summary>The fixed std, or null for He/Xavier.</summary>
    public double? FixedStd { get; }

    /// <summary>"he", "xavier" or the number.</summary>
    public string Name { get; }

    /// <summary>He initialisation √(2/n), for ReLU.</summary>
    public static WeightInit He { get; } = new(null, "he");

    /// <summary>Xavier initialisation √(1/n), for sigmoid.</summary>
    public static WeightInit Xavier { get; } = new(null, "xavier");

    /// <summary>A fixed standard deviation, e.g. the book's 0.01.</summary>
    public static WeightInit Std(double std) =>
        std > 0 && double.IsFinite(std) ? new(std, std.ToString(System.Globalization.CultureInfo.InvariantCulture))
        : throw new ArgumentOutOfRangeException(nameof(std), $"The weight std must be a positive number, got {std}.");

    /// <summary>Parses "relu"/"he", "sigmoid"/"xavier" or a number.</summary>
    public static WeightInit Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "relu" or "he" => He,
        "sigmoid" or "xavier" => Xavier,
        var s when double.TryParse(s, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double v) => Std(v),
        _ => throw new ArgumentException($"Unknown weight init '{text}'; expected relu/he, sigmoid/xavier or a number."),
    };

    /// <summary>The std for a layer with <paramref name="fanIn"/> inputs.</summary>
    public double StdFor(int fanIn) => FixedStd ?? (Name == "he" ? Math.Sqrt(2.0 / fanIn) : Math.Sqrt(1.0 / fanIn));

    /// <inheritdoc/>
    public override string ToString() => Name;
}
