using System.Buffers.Binary;
using System.IO.Compression;
using System.Numerics;

namespace Nabla.IO;

/// <summary>A minimal greyscale PNG writer (no native code), for pictures of filters, digits and weights.</summary>
public static class Png
{
    private static readonly uint[] CrcTable = BuildCrcTable();

    /// <summary>Writes 8-bit grey pixels (row-major, <paramref name="width"/> × <paramref name="height"/>) as a PNG, atomically.</summary>
    public static void WriteGray(string path, ReadOnlySpan<byte> pixels, int width, int height)
    {
        if (width <= 0 || height <= 0 || pixels.Length != width * height)
            throw new ArgumentException($"Png.WriteGray: {pixels.Length} pixels do not make a {width}×{height} image.");
        var copy = pixels.ToArray();
        AtomicFile.Write(path, s => WriteGray(s, copy, width, height));
    }

    /// <summary>Writes 8-bit grey pixels as a PNG to <paramref name="stream"/>.</summary>
    public static void WriteGray(Stream stream, byte[] pixels, int width, int height)
    {
        stream.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0d, 0x0a, 0x1a, 0x0a]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8;  // bit depth
        ihdr[9] = 0;  // greyscale
        Chunk(stream, "IHDR", ihdr);
        using var raw = new MemoryStream();
        using (var z = new ZLibStream(raw, CompressionLevel.Optimal, leaveOpen: true))
            for (int y = 0; y < height; y++)
            {
                z.WriteByte(0); // no filter
                z.Write(pixels, y * width, width);
            }
        Chunk(stream, "IDAT", raw.ToArray());
        Chunk(stream, "IEND", []);
    }

    /// <summary>
    /// Draws 2-D tiles (e.g. the first-layer filters, shape (N, 1, H, W) or (N, H, W)) as a grid, each tile
    /// scaled by <paramref name="scale"/> and min–max normalised on its own, dark for high values like the
    /// book's <c>cmap=gray_r</c> figures; writes it as a PNG.
    /// </summary>
    public static void WriteTiles<T>(string path, Tensor<T> tiles, int columns = 6, int scale = 8, int gap = 2) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = tiles.Dim(0), h = tiles.Dim(-2), w = tiles.Dim(-1);
        if (tiles.Length != n * h * w) throw new ArgumentException($"Png.WriteTiles needs one 2-D tile per row, got {Tensor<T>.ShapeString(tiles.Shape)}.");
        int rows = (n + columns - 1) / columns;
        int tw = w * scale, th = h * scale;
        int width = columns * tw + (columns + 1) * gap, height = rows * th + (rows + 1) * gap;
        var img = new byte[width * height];
        Array.Fill(img, (byte)255);
        var s = tiles.Span;
        for (int k = 0; k < n; k++)
        {
            var tile = s.Slice(k * h * w, h * w);
            double min = double.MaxValue, max = double.MinValue;
            foreach (var v in tile) { double d = double.CreateTruncating(v); min = Math.Min(min, d); max = Math.Max(max, d); }
            double range = max > min ? max - min : 1;
            int ox = gap + (k % columns) * (tw + gap), oy = gap + (k / columns) * (th + gap);
            for (int y = 0; y < th; y++)
                for (int x = 0; x < tw; x++)
                {
                    double v = (double.CreateTruncating(tile[(y / scale) * w + x / scale]) - min) / range;
                    img[(oy + y) * width + ox + x] = (byte)Math.Round(255 * (1 - v));
                }
        }
        WriteGray(path, img, width, height);
    }

    private static void Chunk(Stream s, string type, byte[] data)
    {
        Span<byte> len = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(len, data.Length);
        s.Write(len);
        var typeBytes = System.Text.Encoding.ASCII.GetBytes(type);
        s.Write(typeBytes);
        s.Write(data);
        uint crc = 0xffffffff;
        foreach (byte b in typeBytes) crc = CrcTable[(crc ^ b) & 0xff] ^ (crc >> 8);
        foreach (byte b in data) crc = CrcTable[(crc ^ b) & 0xff] ^ (crc >> 8);
        BinaryPrimitives.WriteUInt32BigEndian(len, crc ^ 0xffffffff);
        s.Write(len);
    }

    private static uint[] BuildCrcTable()
    {
        var t = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xedb88320 ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        return t;
    }
}
