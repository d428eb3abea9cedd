using System.Buffers.Binary;
using System.Numerics;

namespace Nabla.IO;

/// <summary>
/// A NumPy array as stored on disk (.npy, .npz or a pickle): shape, element type, memory order and
/// the raw little- or big-endian bytes. Convert it with <see cref="ToTensor{T}"/> or <see cref="ToInt32Array"/>.
/// </summary>
public sealed class NpyArray
{
    /// <summary>Creates an array from its parts; <paramref name="data"/> must hold exactly shape × item size bytes.</summary>
    /// <param name="descr">NumPy's type string, e.g. "&lt;f4", "&lt;f8", "&lt;i8", "|u1", "|b1".</param>
    /// <param name="shape">The shape.</param>
    /// <param name="fortranOrder">True when the bytes are in column-major order.</param>
    /// <param name="data">The element bytes.</param>
    /// <param name="source">File or stream name, for error messages.</param>
    public NpyArray(string descr, int[] shape, bool fortranOrder, byte[] data, string source = "<array>")
    {
        Descr = descr; Shape = shape; FortranOrder = fortranOrder; Data = data;
        (Kind, ItemSize, BigEndian) = ParseDescr(descr, source);
        long count = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new DataFormatException(source, -1, $"negative dimension in shape ({string.Join(", ", shape)}).");
            count *= d;
        }
        if (count * ItemSize != data.Length)
            throw new DataFormatException(source, -1, $"shape ({string.Join(", ", shape)}) of {descr} needs {count * ItemSize} bytes, the array has {data.Length}.");
        Count = (int)count;
    }

    /// <summary>NumPy's type string, e.g. "&lt;f4".</summary>
    public string Descr { get; }
    /// <summary>The shape.</summary>
    public int[] Shape { get; }
    /// <summary>True when the data is in column-major (Fortran) order.</summary>
    public bool FortranOrder { get; }
    /// <summary>The raw element bytes.</summary>
    public byte[] Data { get; }
    /// <summary>Number of elements.</summary>
    public int Count { get; }
    /// <summary>'f' (float), 'i' (signed), 'u' (unsigned) or 'b' (bool).</summary>
    public char Kind { get; }
    /// <summary>Bytes per element.</summary>
    public int ItemSize { get; }
    /// <summary>True for big-endian data.</summary>
    public bool BigEndian { get; }

    /// <summary>The elements as doubles in row-major order (Fortran-ordered data is transposed).</summary>
    public double[] ToDoubleArray()
    {
        var values = new double[Count];
        var span = Data.AsSpan();
        for (int i = 0; i < values.Length; i++) values[i] = Element(span.Slice(i * ItemSize, ItemSize));
        return FortranOrder && Shape.Length > 1 ? FortranToC(values, Shape) : values;
    }

    /// <summary>Converts to a float or double tensor of the same shape, in row-major order.</summary>
    public Tensor<T> ToTensor<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var result = new T[Count];
        if (Kind == 'f' && !BigEndian && !(FortranOrder && Shape.Length > 1) && ItemSize == System.Runtime.CompilerServices.Unsafe.SizeOf<T>())
            System.Runtime.InteropServices.MemoryMarshal.Cast<byte, T>(Data).CopyTo(result);
        else
        {
            var d = ToDoubleArray();
            for (int i = 0; i < d.Length; i++) result[i] = T.CreateTruncating(d[i]);
        }
        return new Tensor<T>(result, (int[])Shape.Clone());
    }

    /// <summary>The elements as 32-bit integers (labels, say), row-major; non-integral values are refused.</summary>
    public int[] ToInt32Array()
    {
        var d = ToDoubleArray();
        var r = new int[d.Length];
        for (int i = 0; i < d.Length; i++)
        {
            if (d[i] != Math.Floor(d[i]) || d[i] < int.MinValue || d[i] > int.MaxValue)
                throw new InvalidDataException($"Element {i} ({d[i]}) of a {Descr} array is not a 32-bit integer.");
            r[i] = (int)d[i];
        }
        return r;
    }

    private double Element(ReadOnlySpan<byte> b) => (Kind, ItemSize, BigEndian) switch
    {
        ('f', 4, false) => BinaryPrimitives.ReadSingleLittleEndian(b),
        ('f', 4, true) => BinaryPrimitives.ReadSingleBigEndian(b),
        ('f', 8, false) => BinaryPrimitives.ReadDoubleLittleEndian(b),
        ('f', 8, true) => BinaryPrimitives.ReadDoubleBigEndian(b),
        ('f', 2, false) => (double)BinaryPrimitives.ReadHalfLittleEndian(b),
        ('f', 2, true) => (double)BinaryPrimitives.ReadHalfBigEndian(b),
        ('i', 1, _) => (sbyte)b[0],
        ('u', 1, _) or ('b', 1, _) => b[0],
        ('i', 2, false) => BinaryPrimitives.ReadInt16LittleEndian(b),
        ('i', 2, true) => BinaryPrimitives.ReadInt16BigEndian(b),
        ('u', 2, false) => BinaryPrimitives.ReadUInt16LittleEndian(b),
        ('u', 2, true) => BinaryPrimitives.ReadUInt16BigEndian(b),
        ('i', 4, false) => BinaryPrimitives.ReadInt32LittleEndian(b),
        ('i', 4, true) => BinaryPrimitives.ReadInt32BigEndian(b),
        ('u', 4, false) => BinaryPrimitives.ReadUInt32LittleEndian(b),
        ('u', 4, true) => BinaryPrimitives.ReadUInt32BigEndian(b),
        ('i', 8, false) => BinaryPrimitives.ReadInt64LittleEndian(b),
        ('i', 8, true) => BinaryPrimitives.ReadInt64BigEndian(b),
        ('u', 8, false) => BinaryPrimitives.ReadUInt64LittleEndian(b),
        ('u', 8, true) => BinaryPrimitives.ReadUInt64BigEndian(b),
        _ => throw new NotSupportedException($"NumPy type {Descr} is not supported."),
    };

    private static (char Kind, int Size, bool BigEndian) ParseDescr(string descr, string source)
    {
        if (descr.Length >= 3 && descr[0] is '<' or '>' or '|' or '=' && descr[1] is 'f' or 'i' or 'u' or 'b'
            && int.TryParse(descr.AsSpan(2), out int size) && size is 1 or 2 or 4 or 8 && !(descr[1] == 'f' && size == 1))
            return (descr[1], size, descr[0] == '>');
        throw new DataFormatException(source, -1, $"unsupported NumPy type '{descr}' (supported: float16/32/64, (u)int8–64, bool).");
    }

    // Column-major data of shape (a, b, c) is row-major data of shape (c, b, a): reverse the axes back.
    private static double[] FortranToC(double[] f, int[] shape) =>
        new Tensor<double>(f, [.. shape.Reverse()]).Transpose().ToArray();
}
