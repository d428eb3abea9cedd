using System.Buffers.Binary;
using System.IO.Compression;

namespace Nabla.Data;

/// <summary>
/// Reads and writes the IDX format of MNIST and Fashion-MNIST: a big-endian header
/// (magic <c>0x00000803</c> with image count, rows and columns for images;
/// <c>0x00000801</c> with a count for labels) followed by one unsigned byte per pixel or
/// label. Files may be gzipped or raw; gzip is recognised by its magic bytes
/// <c>1f 8b</c>, not by the file name. Every defect is reported as a
/// <see cref="DataFormatException"/> naming the file and the byte offset
/// (in the decompressed content).
/// </summary>
public static class Idx
{
    /// <summary>Magic number of an IDX label file (unsigned bytes, 1 dimension).</summary>
    public const int LabelsMagic = 0x00000801;

    /// <summary>Magic number of an IDX image file (unsigned bytes, 3 dimensions).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>The largest label value accepted by <see cref="ReadLabels(string)"/> (ten classes, 0–9).</summary>
    public const int MaxLabel = 9;

    private const int InitialChunk = 1 << 26;

    /// <summary>Reads an IDX image file, gzipped or raw.</summary>
    /// <exception cref="DataFormatException">The file is not a valid IDX image file.</exception>
    public static IdxImages ReadImages(string path)
    {
        using var file = OpenRead(path);
        return ReadImages(file, path);
    }

    /// <summary>Reads IDX images, gzipped or raw, from <paramref name="stream"/> (left open).</summary>
    /// <param name="stream">The content; need not be seekable.</param>
    /// <param name="name">The name used in error messages (usually the file path).</param>
    /// <exception cref="DataFormatException">The content is not a valid IDX image file.</exception>
    public static IdxImages ReadImages(Stream stream, string name = "<stream>")
    {
        ArgumentNullException.ThrowIfNull(stream);
        var r = new ContentReader(stream, name);
        try
        {
            var (count, rows, cols, bytes, what) = ReadImageHeader(r, name);
            byte[] pixels = r.ReadBody(bytes, what);
            return new IdxImages(pixels, count, rows, cols);
        }
        finally
        {
            r.Dispose();
        }
    }

    private static (int Count, int Rows, int Columns, long Bytes, string What) ReadImageHeader(ContentReader r, string name)
    {
        r.ReadMagic(ImagesMagic);
        int count = r.ReadDim("image count");
        int rows = r.ReadDim("row count");
        int cols = r.ReadDim("column count");
        if (rows == 0 || cols == 0)
            throw new DataFormatException(name, rows == 0 ? 8 : 12,
                $"images of {rows}x{cols} pixels are empty; an image file needs at least one row and one column.");
        long bytes = (long)count * rows * cols;
        return (count, rows, cols, bytes, $"the header declares {count} images of {rows}x{cols} pixels ({bytes} bytes after the 16-byte header)");
    }

    /// <summary>Maps each byte through a 256-entry table (pixel value → T).</summary>
    internal static void Map<T>(ReadOnlySpan<byte> source, Span<T> destination, T[] table)
    {
        for (int i = 0; i < source.Length; i++) destination[i] = table[source[i]];
    }

    /// <summary>Receives one chunk of a file body and its position within the body.</summary>
    internal delegate void ChunkHandler(ReadOnlySpan<byte> chunk, long position);

    /// <summary>Reads an IDX label file, gzipped or raw, and checks every label is 0–9.</summary>
    /// <exception cref="DataFormatException">The file is not a valid IDX label file or holds a label above 9.</exception>
    public static byte[] ReadLabels(string path)
    {
        using var file = OpenRead(path);
        return ReadLabels(file, path);
    }

    /// <summary>Reads IDX labels, gzipped or raw, from <paramref name="stream"/> (left open), checking every label is 0–9.</summary>
    /// <param name="stream">The content; need not be seekable.</param>
    /// <param name="name">The name used in error messages (usually the file path).</param>
    /// <exception cref="DataFormatException">The content is not a valid IDX label file or holds a label above 9.</exception>
    public static byte[] ReadLabels(Stream stream, string name = "<stream>")
    {
        ArgumentNullException.ThrowIfNull(stream);
        var r = new ContentReader(stream, name);
        try
        {
            r.ReadMagic(LabelsMagic);
            int count = r.ReadDim("label count");
            byte[] labels = r.ReadBody(count, $"the header declares {count} labels ({count} bytes after the 8-byte header)");
            int bad = labels.AsSpan().IndexOfAnyExceptInRange((byte)0, (byte)MaxLabel);
            if (bad >= 0)
                throw new DataFormatException(name, 8 + bad,
                    $"label {bad} has the value {labels[bad]}; MNIST-format labels must be 0–{MaxLabel}.");
            return labels;
        }
        finally
        {
            r.Dispose();
        }
    }

    /// <summary>Writes <paramref name="images"/> as an IDX image file, gzipped when <paramref name="gzip"/> is true.</summary>
    public static void WriteImages(string path, IdxImages images, bool gzip = false)
    {
        using var file = File.Create(path);
        WriteImages(file, images, gzip);
    }

    /// <summary>Writes <paramref name="images"/> in IDX format to <paramref name="stream"/> (left open), gzipped when <paramref name="gzip"/> is true.</summary>
    public static void WriteImages(Stream stream, IdxImages images, bool gzip = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(images);
        Span<byte> header = stackalloc byte[16];
        BinaryPrimitives.WriteInt32BigEndian(header, ImagesMagic);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], images.Count);
        BinaryPrimitives.WriteInt32BigEndian(header[8..], images.Rows);
        BinaryPrimitives.WriteInt32BigEndian(header[12..], images.Columns);
        Write(stream, header, images.Pixels, gzip);
    }

    /// <summary>
    /// Writes <paramref name="labels"/> as an IDX label file, gzipped when <paramref name="gzip"/> is true.
    /// Values are written as given (so tests can produce invalid files).
    /// </summary>
    public static void WriteLabels(string path, ReadOnlySpan<byte> labels, bool gzip = false)
    {
        using var file = File.Create(path);
        WriteLabels(file, labels, gzip);
    }

    /// <summary>
    /// Writes <paramref name="labels"/> in IDX format to <paramref name="stream"/> (left open), gzipped
    /// when <paramref name="gzip"/> is true. Values are written as given.
    /// </summary>
    public static void WriteLabels(Stream stream, ReadOnlySpan<byte> labels, bool gzip = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> header = stackalloc byte[8];
        BinaryPrimitives.WriteInt32BigEndian(header, LabelsMagic);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], labels.Length);
        Write(stream, header, labels, gzip);
    }

    /// <summary>True when <paramref name="head"/> starts with the gzip magic bytes <c>1f 8b</c>.</summary>
    internal static bool IsGzip(ReadOnlySpan<byte> head) => head.Length >= 2 && head[0] == 0x1f && head[1] == 0x8b;

    private static FileStream OpenRead(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
    }

    private static void Write(Stream stream, ReadOnlySpan<byte> header, ReadOnlySpan<byte> body, bool gzip)
    {
        if (!gzip)
        {
            stream.Write(header);
            stream.Write(body);
            return;
        }
        using var z = new GZipStream(stream, CompressionLevel.Fastest, leaveOpen: true);
        z.Write(header);
        z.Write(body);
    }

    /// <summary>Reads the (possibly gzipped) content of one IDX file, keeping track of the byte offset for messages.</summary>
    private sealed class ContentReader : IDisposable
    {
        private readonly string _name;
        private readonly Stream _content;
        private readonly bool _gzip;
        private long _offset;

        public ContentReader(Stream raw, string name)
        {
            _name = name;
            Span<byte> head = stackalloc byte[2];
            int n = raw.ReadAtLeast(head, 2, throwOnEndOfStream: false);
            Stream source;
            if (raw.CanSeek)
            {
                raw.Seek(-n, SeekOrigin.Current);
                source = raw;
            }
            else
            {
                source = new PrefixedStream(head[..n].ToArray(), raw);
            }
            _gzip = IsGzip(head[..n]);
            _content = _gzip ? new GZipStream(source, CompressionMode.Decompress, leaveOpen: true) : source;
        }

        private string Where => _gzip ? " of the decompressed content" : "";

        public void ReadMagic(int expected)
        {
            Span<byte> b = stackalloc byte[4];
            Fill(b, "the 4-byte magic number");
            int magic = BinaryPrimitives.ReadInt32BigEndian(b);
            if (magic == expected) return;
            string want = expected == ImagesMagic ? "0x00000803 (an IDX image file)" : "0x00000801 (an IDX label file)";
            string got = magic switch
            {
                ImagesMagic => " — this is an IDX image file",
                LabelsMagic => " — this is an IDX label file",
                _ when b[0] != 0 || b[1] != 0 => " — not an IDX file at all (an IDX file starts with two zero bytes)",
                _ when b[2] != 0x08 => $" — element type 0x{b[2]:X2} is not unsigned byte (0x08)",
                _ => $" — {b[3]} dimensions",
            };
            throw new DataFormatException(_name, 0, $"bad magic number 0x{magic:X8}{got}; expected {want}.");
        }

        public int ReadDim(string what)
        {
            long at = _offset;
            Span<byte> b = stackalloc byte[4];
            Fill(b, $"the {what}");
            uint v = BinaryPrimitives.ReadUInt32BigEndian(b);
            if (v > int.MaxValue)
                throw new DataFormatException(_name, at, $"the {what} {v} is impossibly large (above {int.MaxValue}).");
            return (int)v;
        }

        public byte[] ReadBody(long bytes, string what)
        {
            if (bytes > Array.MaxLength)
                throw new DataFormatException(_name, 4, $"{what}, more than one array can hold; the header is corrupt.");
            long bodyStart = _offset;
            var buffer = new byte[(int)Math.Min(bytes, InitialChunk)];
            int filled = 0;
            while (filled < bytes)
            {
                if (filled == buffer.Length)
                    Array.Resize(ref buffer, (int)Math.Min(bytes, (long)buffer.Length * 2));
                int got = Read(buffer.AsSpan(filled));
                if (got == 0) throw Truncated(bodyStart, bytes, what);
                filled += got;
            }
            CheckEnd(bodyStart + bytes, what);
            return buffer;
        }

        /// <summary>Reads <paramref name="bytes"/> of body through <paramref name="chunk"/>, handing each filled part to <paramref name="handler"/>; same checks as <see cref="ReadBody"/>.</summary>
        public void ReadBodyChunks(long bytes, string what, byte[] chunk, ChunkHandler handler)
        {
            long bodyStart = _offset, done = 0;
            while (done < bytes)
            {
                int want = (int)Math.Min(chunk.Length, bytes - done), filled = 0;
                while (filled < want)
                {
                    int got = Read(chunk.AsSpan(filled, want - filled));
                    if (got == 0) throw Truncated(bodyStart, bytes, what);
                    filled += got;
                }
                handler(chunk.AsSpan(0, want), done);
                done += want;
            }
            CheckEnd(bodyStart + bytes, what);
        }

        private DataFormatException Truncated(long bodyStart, long bytes, string what) =>
            new(_name, _offset, $"the data ran out at byte {_offset}{Where}: {what}, so the content should be {bodyStart + bytes} bytes long. The file is truncated.");

        private void CheckEnd(long end, string what)
        {
            Span<byte> probe = stackalloc byte[1];
            if (Read(probe) != 0)
                throw new DataFormatException(_name, end,
                    $"there is more data after the declared end{Where}: {what}. The header's dimensions are wrong or the file is not what its name says.");
        }

        private void Fill(Span<byte> destination, string what)
        {
            int filled = 0;
            while (filled < destination.Length)
            {
                int got = Read(destination[filled..]);
                if (got == 0)
                    throw new DataFormatException(_name, _offset,
                        $"the data ran out at byte {_offset}{Where} while reading {what}; the header is incomplete.");
                filled += got;
            }
        }

        private int Read(Span<byte> destination)
        {
            int got;
            try
            {
                got = _content.Read(destination);
            }
            catch (InvalidDataException e)
            {
                throw new DataFormatException(_name, _offset, $"the gzip data is corrupt near byte {_offset} of the decompressed content: {e.Message}", e);
            }
            _offset += got;
            return got;
        }

        public void Dispose()
        {
            if (_gzip) _content.Dispose();
        }
    }

    /// <summary>A read-only stream that replays a few already-read bytes before the rest of a non-seekable stream.</summary>
    private sealed class PrefixedStream(byte[] prefix, Stream rest) : Stream
    {
        private int _used;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_used < prefix.Length)
            {
                int n = Math.Min(buffer.Length, prefix.Length - _used);
                prefix.AsSpan(_used, n).CopyTo(buffer);
                _used += n;
                return n;
            }
            return rest.Read(buffer);
        }
    }
}
