using System.Numerics;

namespace Nabla;

public sealed partial class Tensor<T>
{
    /// <summary>A tensor of zeros.</summary>
    public static Tensor<T> Zeros(params int[] shape) => new(shape);

    /// <summary>A tensor of zeros with the shape of <paramref name="like"/>.</summary>
    public static Tensor<T> ZerosLike(Tensor<T> like) => new(like._shape);

    /// <summary>A tensor of ones.</summary>
    public static Tensor<T> Ones(params int[] shape) => Full(T.One, shape);

    /// <summary>A tensor filled with <paramref name="value"/>.</summary>
    public static Tensor<T> Full(T value, params int[] shape)
    {
        var t = new Tensor<T>(shape);
        t.Span.Fill(value);
        return t;
    }

    /// <summary>A 0-d tensor holding one value.</summary>
    public static Tensor<T> Scalar(T value) => new([value], []);

    /// <summary>A 1-D tensor holding a copy of <paramref name="values"/>.</summary>
    public static Tensor<T> FromValues(params T[] values) => new((T[])values.Clone(), values.Length);

    /// <summary>A 2-D tensor holding a copy of <paramref name="values"/>.</summary>
    public static Tensor<T> FromArray(T[,] values)
    {
        int r = values.GetLength(0), c = values.GetLength(1);
        var data = new T[r * c];
        int i = 0;
        foreach (T v in values) data[i++] = v;
        return new Tensor<T>(data, r, c);
    }

    /// <summary>Values <c>start, start+step, …</c> below <paramref name="stop"/>, like <c>np.arange</c>.</summary>
    public static Tensor<T> Arange(T start, T stop, T step)
    {
        if (step == T.Zero) throw new ArgumentException("Arange: step must not be zero.", nameof(step));
        int n = Math.Max(0, int.CreateChecked(T.Ceiling((stop - start) / step)));
        var data = new T[n];
        for (int i = 0; i < n; i++) data[i] = start + T.CreateChecked(i) * step;
        return new Tensor<T>(data, n);
    }

    /// <summary>Values drawn from N(0, std²) using <paramref name="rng"/> (Box–Muller), like <c>np.random.randn * std</c>.</summary>
    public static Tensor<T> RandomNormal(Random rng, T std, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var t = new Tensor<T>(shape);
        FillNormal(t.Span, rng, std);
        return t;
    }

    /// <summary>Values drawn from N(0, 1) with a fixed seed.</summary>
    public static Tensor<T> RandomNormal(int seed, params int[] shape) => RandomNormal(new Random(seed), T.One, shape);

    /// <summary>Values drawn uniformly from [low, high) using <paramref name="rng"/>.</summary>
    public static Tensor<T> RandomUniform(Random rng, T low, T high, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var t = new Tensor<T>(shape);
        var s = t.Span;
        T width = high - low;
        for (int i = 0; i < s.Length; i++) s[i] = low + width * T.CreateTruncating(rng.NextDouble());
        return t;
    }

    /// <summary>Fills <paramref name="span"/> with N(0, std²) samples.</summary>
    public static void FillNormal(Span<T> span, Random rng, T std)
    {
        for (int i = 0; i < span.Length; i += 2)
        {
            double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
            double r = Math.Sqrt(-2.0 * Math.Log(u1));
            span[i] = std * T.CreateTruncating(r * Math.Cos(2 * Math.PI * u2));
            if (i + 1 < span.Length) span[i + 1] = std * T.CreateTruncating(r * Math.Sin(2 * Math.PI * u2));
        }
    }

    /// <summary>A copy converted to another element type (float ↔ double).</summary>
    public Tensor<TOut> Cast<TOut>() where TOut : unmanaged, IFloatingPointIeee754<TOut>
    {
        var result = new Tensor<TOut>(_shape);
        var src = Span;
        var dst = result.Span;
        System.Numerics.Tensors.TensorPrimitives.ConvertTruncating<T, TOut>(src, dst);
        return result;
    }
}

/// <summary>Type-inferring factories for <see cref="Tensor{T}"/>: <c>Tensor.From(new[] { 1.0, 2.0 })</c>.</summary>
public static class Tensor
{
    /// <summary>A 1-D tensor copied from <paramref name="values"/>.</summary>
    public static Tensor<T> From<T>(params T[] values) where T : unmanaged, IFloatingPointIeee754<T> => Tensor<T>.FromValues(values);

    /// <summary>A 2-D tensor copied from <paramref name="values"/>.</summary>
    public static Tensor<T> From<T>(T[,] values) where T : unmanaged, IFloatingPointIeee754<T> => Tensor<T>.FromArray(values);

    /// <summary>A tensor of zeros.</summary>
    public static Tensor<T> Zeros<T>(params int[] shape) where T : unmanaged, IFloatingPointIeee754<T> => new(shape);

    /// <summary>Matrix product, like <c>np.dot</c>; see <see cref="Tensor{T}.MatMul(Tensor{T}, Tensor{T})"/>.</summary>
    public static Tensor<T> Dot<T>(Tensor<T> a, Tensor<T> b) where T : unmanaged, IFloatingPointIeee754<T> => Tensor<T>.MatMul(a, b);
}
