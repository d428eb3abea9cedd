using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Numerics;
using System.Text;
using System.Text.RegularExpressions;

namespace Nabla.IO;

/// <summary>
/// NumPy's <c>.npy</c> format: a magic string, a version, a Python-dict header (descr, fortran_order,
/// shape) padded so the data starts on a 64-byte boundary, then the raw elements. Versions 1.0–3.0 are
/// read; 1.0 is written (2.0 when the header needs it). Files written load with <c>np.load</c>.
/// </summary>
public static partial class Npy
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Reads a .npy file.</summary>
    public static NpyArray Read(string path)
    {
        using var fs = File.OpenRead(path);
        return Read(fs, path);
    }

    /// <summary>Reads one .npy array from <paramref name="stream"/>; <paramref name="name"/> is used in error messages.</summary>
    public static NpyArray Read(Stream stream, string name = "<stream>")
    {
        var head = ReadExactly(stream, 8, name, 0, "the magic string and version");
        if (!head.AsSpan(0, 6).SequenceEqual(Magic))
            throw new DataFormatException(name, 0, "not a .npy file (the magic string \\x93NUMPY is missing).");
        int major = head[6];
        int lenBytes = major switch
        {
            1 => 2,
            2 or 3 => 4,
            _ => throw new DataFormatException(name, 6, $"unsupported .npy format version {major}.{head[7]}."),
        };
        var lenRaw = ReadExactly(stream, lenBytes, name, 8, "the header length");
        long headerLen = lenBytes == 2 ? BinaryPrimitives.ReadUInt16LittleEndian(lenRaw) : BinaryPrimitives.ReadUInt32LittleEndian(lenRaw);
        if (headerLen > 1 << 20) throw new DataFormatException(name, 8, $"header length {headerLen} is implausible.");
        int headerStart = 8 + lenBytes;
        var headerBytes = ReadExactly(stream, (int)headerLen, name, headerStart, "the header");
        string header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(headerBytes);
        var (descr, fortran, shape) = ParseHeader(header, name, headerStart);
        long count = 1;
        foreach (int d in shape) count *= d;
        int itemSize = descr.Length > 2 && int.TryParse(descr.AsSpan(2), out int s) ? s : 0;
        long bytes = count * itemSize;
        if (bytes > Array.MaxLength) throw new DataFormatException(name, headerStart, $"shape ({string.Join(", ", shape)}) is too large to load.");
        var data = ReadExactly(stream, (int)bytes, name, headerStart + headerLen, $"{count} elements of {descr}");
        return new NpyArray(descr, shape, fortran, data, name);
    }

    /// <summary>Writes <paramref name="tensor"/> as a .npy file (atomically: temporary file, then rename).</summary>
    public static void Write<T>(string path, Tensor<T> tensor) where T : unmanaged, IFloatingPointIeee754<T> =>
        AtomicFile.Write(path, s => Write(s, tensor));

    /// <summary>Writes <paramref name="tensor"/> in .npy format to <paramref name="stream"/>: &lt;f4 or &lt;f8, C order.</summary>
    public static void Write<T>(Stream stream, Tensor<T> tensor) where T : unmanaged, IFloatingPointIeee754<T>
    {
        string descr = typeof(T) == typeof(float) ? "<f4" : typeof(T) == typeof(double) ? "<f8"
            : throw new NotSupportedException($"Writing {typeof(T).Name} to .npy is not supported.");
        var shape = tensor.Shape;
        string shapeText = shape.Length switch
        {
            0 => "()",
            1 => $"({shape[0]},)",
            _ => "(" + string.Join(", ", shape.ToArray()) + ")",
        };
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shapeText}, }}";
        // Pad with spaces so that magic + version + length + header (ending in '\n') is a multiple of 64.
        int lenBytes = dict.Length + 1 + 10 > ushort.MaxValue ? 4 : 2;
        int prefix = 6 + 2 + lenBytes;
        int total = (prefix + dict.Length + 1 + 63) / 64 * 64;
        string header = dict.PadRight(total - prefix - 1) + "\n";
        stream.Write(Magic);
        stream.WriteByte(lenBytes == 2 ? (byte)1 : (byte)2);
        stream.WriteByte(0);
        Span<byte> len = stackalloc byte[4];
        if (lenBytes == 2) BinaryPrimitives.WriteUInt16LittleEndian(len, (ushort)header.Length);
        else BinaryPrimitives.WriteUInt32LittleEndian(len, (uint)header.Length);
        stream.Write(len[..lenBytes]);
        stream.Write(Encoding.Latin1.GetBytes(header));
        var span = tensor.Span;
        if (BitConverter.IsLittleEndian) stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(span));
        else throw new PlatformNotSupportedException("Writing .npy on a big-endian machine is not supported.");
    }

    private static (string Descr, bool Fortran, int[] Shape) ParseHeader(string header, string name, long offset)
    {
        var descr = DescrRegex().Match(header);
        var fortran = FortranRegex().Match(header);
        var shape = ShapeRegex().Match(header);
        if (!header.TrimStart().StartsWith('{') || !descr.Success || !fortran.Success || !shape.Success)
            throw new DataFormatException(name, offset, $"the header is not a NumPy array header: {header.Trim()}");
        // NumPy refuses a header whose keys are not exactly these three; so do we, rather than ignore what we do not understand.
        foreach (Match key in KeyRegex().Matches(header))
            if (key.Groups[1].Value is not ("descr" or "fortran_order" or "shape"))
                throw new DataFormatException(name, offset, $"the header has the key '{key.Groups[1].Value}'; a .npy header holds exactly descr, fortran_order and shape.");
        var dims = new List<int>();
        foreach (var part in shape.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part.TrimEnd('L'), NumberStyles.None, CultureInfo.InvariantCulture, out int d))
                throw new DataFormatException(name, offset, $"the shape '{shape.Groups[1].Value}' is not a tuple of non-negative integers.");
            dims.Add(d);
        }
        return (descr.Groups[1].Value, fortran.Groups[1].Value == "True", [.. dims]);
    }

    internal static byte[] ReadExactly(Stream stream, int count, string name, long offset, string what)
    {
        var buffer = new byte[count];
        int read = 0;
        while (read < count)
        {
            int n = stream.Read(buffer, read, count - read);
            if (n == 0) throw new DataFormatException(name, offset + read, $"the file ends inside {what} ({read} of {count} bytes).");
            read += n;
        }
        return buffer;
    }

    /// <summary>A key of the header's dictionary: a quoted word right after '{' or ',' and before ':'.</summary>
    [GeneratedRegex(@"[{,]\s*['""]([^'""]*)['""]\s*:")]
    private static partial Regex KeyRegex();
    [GeneratedRegex(@"['""]descr['""]\s*:\s*['""]([^'""]+)['""]")]
    private static partial Regex DescrRegex();
    [GeneratedRegex(@"['""]fortran_order['""]\s*:\s*(True|False)")]
    private static partial Regex FortranRegex();
    [GeneratedRegex(@"['""]shape['""]\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapeRegex();
}

/// <summary>NumPy's <c>.npz</c>: a zip archive of <c>NAME.npy</c> entries, as <c>np.savez</c> writes.</summary>
public static class Npz
{
    /// <summary>Reads every <c>.npy</c> entry of a .npz file, by name without the extension.</summary>
    public static IReadOnlyDictionary<string, NpyArray> Read(string path)
    {
        using var fs = File.OpenRead(path);
        ZipArchive zip;
        try { zip = new ZipArchive(fs, ZipArchiveMode.Read); }
        catch (InvalidDataException e) { throw new DataFormatException(path, -1, $"not a .npz (zip) archive: {e.Message}", e); }
        using (zip)
        {
            var result = new Dictionary<string, NpyArray>();
            foreach (var entry in zip.Entries)
            {
                if (!entry.FullName.EndsWith(".npy", StringComparison.Ordinal)) continue;
                using var s = entry.Open();
                try { result[entry.FullName[..^4]] = Npy.Read(s, $"{path}:{entry.FullName}"); }
                catch (InvalidDataException e) { throw new DataFormatException($"{path}:{entry.FullName}", -1, $"the entry is corrupt: {e.Message}", e); }
            }
            return result;
        }
    }

    /// <summary>
    /// Writes the tensors as a .npz (uncompressed entries, like <c>np.savez</c>), atomically: a crash
    /// never leaves a half-written file in place of the old one.
    /// </summary>
    public static void Write<T>(string path, IReadOnlyDictionary<string, Tensor<T>> arrays) where T : unmanaged, IFloatingPointIeee754<T> =>
        AtomicFile.Write(path, fs =>
        {
            using var zip = new ZipArchive(fs, ZipArchiveMode.Create, leaveOpen: true);
            foreach (var (name, tensor) in arrays)
            {
                if (string.IsNullOrEmpty(name) || name.Contains('/') || name.Contains('\\'))
                    throw new ArgumentException($"Npz.Write: '{name}' is not a valid array name.");
                using var s = zip.CreateEntry(name + ".npy", CompressionLevel.NoCompression).Open();
                Npy.Write(s, tensor);
            }
        });
}
