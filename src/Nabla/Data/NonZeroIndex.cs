using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Nabla.Data;

/// <summary>
/// The non-zero pixels of a set of byte images, image after image: each one's column (ushort) and byte value,
/// in column order, and for every group of <see cref="Group"/> columns where that group's entries begin.
/// Built once for a sparse set (MNIST: 19 % of pixels are non-zero, 33 MB for the 60,000 training images) — or
/// loaded, mapped, from where an earlier run saved it (<see cref="TrySave"/>, <see cref="TryLoad"/>) —
/// it gives a batch in the sparse-row layout straight from the bytes (<see cref="Gather{T}"/>): the batch's
/// entries are copied from here instead of converting 784 pixels per image and scanning them again.
/// </summary>
internal sealed class NonZeroIndex
{
    /// <summary>Columns per group whose start is recorded (block boundaries of the sparse product are multiples of it).</summary>
    public const int Group = 16;

    private NonZeroIndex(int count, int rowSize, ReadOnlyMemory<int> start, ReadOnlyMemory<ushort> cols, ReadOnlyMemory<byte> values,
        ReadOnlyMemory<ushort> groupStarts)
    {
        Count = count;
        RowSize = rowSize;
        Groups = GroupsOf(rowSize);
        _start = start; _cols = cols; _values = values; _groupStarts = groupStarts;
    }

    // Arrays for an index built here, a mapped file's memory for one loaded (TryLoad).
    private readonly ReadOnlyMemory<int> _start;
    private readonly ReadOnlyMemory<ushort> _cols, _groupStarts;
    private readonly ReadOnlyMemory<byte> _values;

    private static int GroupsOf(int rowSize) => (rowSize + Group - 1) / Group;

    /// <summary>Images indexed.</summary>
    public int Count { get; }

    /// <summary>Values per image.</summary>
    public int RowSize { get; }

    /// <summary>Groups of <see cref="Group"/> columns in an image (the last one may be shorter).</summary>
    public int Groups { get; }

    /// <summary>Image i's entries are <c>Start[i]</c> … <c>Start[i + 1]</c> − 1.</summary>
    public ReadOnlySpan<int> Start => _start.Span;

    /// <summary>Column of each entry, ascending within an image.</summary>
    public ReadOnlySpan<ushort> Cols => _cols.Span;

    /// <summary>Pixel byte of each entry (never 0).</summary>
    public ReadOnlySpan<byte> Values => _values.Span;

    /// <summary>
    /// For image i and group g = 0 … <see cref="Groups"/>: how many of its entries lie in columns below g·<see cref="Group"/>,
    /// at <c>i·(Groups + 1) + g</c> (the last one is the image's entry count).
    /// </summary>
    public ReadOnlySpan<ushort> GroupStarts => _groupStarts.Span;

    /// <summary>Entries in all (non-zero pixels of all images).</summary>
    public long Entries => _start.Span[Count];

    /// <summary>How many bytes of <paramref name="pixels"/> are not zero (one vector compare per 32 bytes).</summary>
    public static long CountNonZeros(ReadOnlySpan<byte> pixels)
    {
        long zeros = 0;
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i <= pixels.Length - 32; i += 32)
                zeros += BitOperations.PopCount(Vector256.Equals(Vector256.Create(pixels.Slice(i, 32)), Vector256<byte>.Zero).ExtractMostSignificantBits());
        for (; i < pixels.Length; i++) if (pixels[i] == 0) zeros++;
        return pixels.Length - zeros;
    }

    /// <summary>
    /// Indexes <paramref name="pixels"/> (images of <paramref name="rowSize"/> bytes); null when the images are too wide for
    /// ushort columns or hold more entries than an array can. Two passes over the images, each shared among the cores by
    /// ranges of images for a large set: each image's non-zero count (where its entries begin), then its entries.
    /// </summary>
    /// <param name="pixels">The images, one after another.</param>
    /// <param name="rowSize">Bytes per image.</param>
    /// <param name="tasks">How many ranges of images to split each pass into (tests force a split); by default one per
    /// core from about a megabyte of pixels, else one.</param>
    public static unsafe NonZeroIndex? Build(ReadOnlySpan<byte> pixels, int rowSize, int? tasks = null)
    {
        if (rowSize <= 0 || rowSize > ushort.MaxValue || pixels.Length % rowSize != 0) return null;
        int count = pixels.Length / rowSize;
        int split = Math.Clamp(tasks ?? (pixels.Length >= 1 << 20 ? Kernels.WorkerPool.Concurrency : 1), 1, Math.Max(1, count));
        var start = new int[count + 1];
        fixed (byte* px = pixels)
        {
            var job = new BuildJob(px, rowSize, count, split, start);
            Kernels.WorkerPool.Run(job, split);
            // Where each image's entries begin: the running sum of the counts the first pass left in start[i + 1].
            long total = 0;
            for (int i = 0; i < count; i++)
            {
                total += start[i + 1];
                if (total > Array.MaxLength - 64) return null;
                start[i + 1] = (int)total;
            }
            int entries = start[count];
            var cols = new ushort[entries];
            var values = new byte[entries];
            var groupStarts = new ushort[(long)count * (GroupsOf(rowSize) + 1)];
            job.Fill(cols, values, groupStarts);
            Kernels.WorkerPool.Run(job, split);
            return new NonZeroIndex(count, rowSize, start, cols, values, groupStarts);
        }
    }

    /// <summary>
    /// Writes the index to <paramref name="path"/> for <see cref="TryLoad"/>: to a temporary file in the same folder, then
    /// renamed into place, so no reader ever sees a partial file under the real name. Best effort: false, leaving nothing
    /// behind, when the folder cannot be written.
    /// </summary>
    public bool TrySave(string path)
    {
        string temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            var layout = FileLayout.Of(Count, RowSize, Entries);
            using (var f = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                Span<byte> header = stackalloc byte[FileLayout.HeaderBytes];
                header.Clear();
                "NZI1"u8.CopyTo(header);
                BitConverter.TryWriteBytes(header[4..], FileLayout.ByteOrder);
                BitConverter.TryWriteBytes(header[8..], Count);
                BitConverter.TryWriteBytes(header[12..], RowSize);
                BitConverter.TryWriteBytes(header[16..], Group);
                BitConverter.TryWriteBytes(header[24..], Entries);
                BitConverter.TryWriteBytes(header[32..], layout.Length);
                f.Write(header);
                WriteAt(f, layout.Start, MemoryMarshal.AsBytes(Start));
                WriteAt(f, layout.GroupStarts, MemoryMarshal.AsBytes(GroupStarts));
                WriteAt(f, layout.Cols, MemoryMarshal.AsBytes(Cols));
                WriteAt(f, layout.Values, Values);
            }
            File.Move(temp, path, overwrite: true);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(temp); } catch (Exception d) when (d is IOException or UnauthorizedAccessException) { }
            return false;
        }
    }

    /// <summary>Zeros up to <paramref name="offset"/> (the sections' alignment), then <paramref name="bytes"/>.</summary>
    private static void WriteAt(FileStream f, long offset, ReadOnlySpan<byte> bytes)
    {
        while (f.Position < offset) f.WriteByte(0);
        f.Write(bytes);
    }

    /// <summary>
    /// The index of <paramref name="pixels"/> (images of <paramref name="rowSize"/> bytes) that <see cref="TrySave"/> wrote to
    /// <paramref name="path"/>, mapped rather than read (its pages are the page cache's, not fresh memory); null when there is
    /// no such file or it is not an index of these images. What the products rely on is checked before it is used —
    /// every column inside an image, every image's entries and group starts in order, no zero value — and 64 images spread
    /// over the set are compared entry for entry with their pixels, so a damaged or stale file is never used.
    /// </summary>
    public static NonZeroIndex? TryLoad(string path, ReadOnlySpan<byte> pixels, int rowSize)
    {
        if (rowSize <= 0 || rowSize > ushort.MaxValue || pixels.Length % rowSize != 0 || !File.Exists(path)) return null;
        var file = MappedFile.TryOpen(path);
        if (file is null || file.Length < FileLayout.HeaderBytes) return null;
        int count = pixels.Length / rowSize;
        var header = file.Bytes(0, FileLayout.HeaderBytes);
        long entries = BitConverter.ToInt64(header[24..]);
        if (!header[..4].SequenceEqual("NZI1"u8) || BitConverter.ToInt32(header[4..]) != FileLayout.ByteOrder ||
            BitConverter.ToInt32(header[8..]) != count || BitConverter.ToInt32(header[12..]) != rowSize ||
            BitConverter.ToInt32(header[16..]) != Group || entries < 0 || entries > (long)count * rowSize || entries > Array.MaxLength - 64)
            return null;
        var layout = FileLayout.Of(count, rowSize, entries);
        if (BitConverter.ToInt64(header[32..]) != layout.Length || file.Length != layout.Length) return null;
        var index = new NonZeroIndex(count, rowSize, file.Memory<int>(layout.Start, count + 1), file.Memory<ushort>(layout.Cols, (int)entries),
            file.Memory<byte>(layout.Values, (int)entries), file.Memory<ushort>(layout.GroupStarts, count * (GroupsOf(rowSize) + 1)));
        return index.IsIndexOf(pixels) ? index : null;
    }

    /// <summary>Where a saved index's sections lie: a 64-byte header, then Start, GroupStarts, Cols and Values, each 8-byte aligned.</summary>
    internal readonly record struct FileLayout(long Start, long GroupStarts, long Cols, long Values, long Length)
    {
        public const int HeaderBytes = 64;
        /// <summary>Written in the machine's byte order: a machine of the other order reads another number and rebuilds.</summary>
        public const int ByteOrder = 0x01020304;

        public static FileLayout Of(int count, int rowSize, long entries)
        {
            static long Align(long v) => (v + 7) & ~7L;
            long start = HeaderBytes;
            long groupStarts = Align(start + 4L * (count + 1));
            long cols = Align(groupStarts + 2L * count * (GroupsOf(rowSize) + 1));
            long values = cols + 2 * entries;
            return new FileLayout(start, groupStarts, cols, values, values + entries);
        }
    }

    /// <summary>
    /// Whether this (loaded) index can be used for <paramref name="pixels"/>: the invariants the products' pointer arithmetic
    /// relies on hold everywhere, and a sample of 64 images matches the pixels exactly.
    /// </summary>
    private bool IsIndexOf(ReadOnlySpan<byte> pixels)
    {
        var start = Start;
        var groupStarts = GroupStarts;
        int stride = Groups + 1;
        if (start[0] != 0) return false;
        for (int i = 0; i < Count; i++)
        {
            int n = start[i + 1] - start[i];
            if (n < 0 || n > RowSize) return false;
            var gs = groupStarts.Slice(i * stride, stride);
            if (gs[0] != 0 || gs[Groups] != n) return false;
            for (int g = 1; g < Groups; g++) if (gs[g] < gs[g - 1] || gs[g] > n) return false;
        }
        // The last image's end must be the end of the entries the header declares (the columns' and values' length).
        if (start[Count] != _cols.Length || Cols.IndexOfAnyInRange((ushort)RowSize, ushort.MaxValue) >= 0 || Values.IndexOf((byte)0) >= 0) return false;
        const int Samples = 64;
        for (int k = 0; k < Math.Min(Samples, Count); k++)
        {
            int i = (int)((long)k * (Count - 1) / Math.Max(1, Samples - 1));
            if (!Matches(i, pixels.Slice(i * RowSize, RowSize))) return false;
        }
        return true;
    }

    /// <summary>Whether image i's entries and group starts are exactly those of its pixels.</summary>
    private bool Matches(int i, ReadOnlySpan<byte> row)
    {
        int first = Start[i], p = first, end = Start[i + 1];
        var cols = Cols;
        var values = Values;
        var gs = GroupStarts.Slice(i * (Groups + 1), Groups + 1);
        for (int j = 0; j < row.Length; j++)
        {
            if (j % Group == 0 && gs[j / Group] != p - first) return false;
            if (row[j] == 0) continue;
            if (p >= end || cols[p] != j || values[p] != row[j]) return false;
            p++;
        }
        return p == end;
    }

    /// <summary>
    /// <see cref="Build"/>'s two passes over a range of images per task: first each image's non-zero count (into
    /// <c>start[i + 1]</c>), then, once <see cref="Fill"/> has given the index, the entries and group starts.
    /// </summary>
    private sealed unsafe class BuildJob(byte* pixels, int rowSize, int count, int tasks, int[] start) : Kernels.IParallelJob
    {
        private ushort[]? _cols, _groupStarts;
        private byte[]? _values;

        /// <summary>The arrays the second pass fills.</summary>
        public void Fill(ushort[] cols, byte[] values, ushort[] groupStarts) { _cols = cols; _values = values; _groupStarts = groupStarts; }

        public void Execute(int task)
        {
            int i0 = (int)((long)task * count / tasks), i1 = (int)((long)(task + 1) * count / tasks);
            if (_cols is null)
                for (int i = i0; i < i1; i++) start[i + 1] = (int)CountNonZeros(new ReadOnlySpan<byte>(pixels + (long)i * rowSize, rowSize));
            else Entries(i0, i1);
        }

        /// <summary>Images i0 … i1 − 1's entries, group by group of 16 columns.</summary>
        private void Entries(int i0, int i1)
        {
            int groups = GroupsOf(rowSize), stride = groups + 1;
            fixed (ushort* cols = _cols, groupStarts = _groupStarts)
            fixed (byte* values = _values)
                for (int i = i0; i < i1; i++)
                {
                    byte* row = pixels + (long)i * rowSize;
                    int p = start[i], first = p;
                    ushort* gs = groupStarts + (long)i * stride;
                    for (int g = 0; g < groups; g++)
                    {
                        gs[g] = (ushort)(p - first);
                        int j0 = g * Group, j1 = Math.Min(rowSize, j0 + Group);
                        if (j1 - j0 == Group)
                        {
                            // One compare gives the group's non-zero columns as bits (most groups of an MNIST image have
                            // none); each set bit is one entry, in column order, with no branch per pixel.
                            uint mask = ~Vector128.Equals(Vector128.Load(row + j0), Vector128<byte>.Zero).ExtractMostSignificantBits() & 0xFFFF;
                            for (; mask != 0; mask &= mask - 1)
                            {
                                int j = j0 + BitOperations.TrailingZeroCount(mask);
                                cols[p] = (ushort)j;
                                values[p++] = row[j];
                            }
                        }
                        else
                            for (int j = j0; j < j1; j++)
                                if (row[j] != 0) { cols[p] = (ushort)j; values[p++] = row[j]; }
                    }
                    gs[groups] = (ushort)(p - first);
                }
        }
    }

    /// <summary>
    /// Refills <paramref name="destination"/> with images <paramref name="images"/> (indices already checked), in order: their
    /// entries' columns widened to int, their bytes converted as <see cref="Kernels.ByteRows{T}"/> converts pixels (v / 255 when
    /// <paramref name="normalize"/>), their group starts made positions in the batch. The same entries, bit for bit, as
    /// compressing the converted images. Only where each image begins and ends is written here; the entries are written when
    /// first used (<see cref="SparseRowStorage{T}.Defer"/>): a product writes each of its tasks' rows in that task, so the batch
    /// is gathered on the cores that multiply it, without a dispatch of its own.
    /// </summary>
    public void Gather<T>(ReadOnlySpan<int> images, bool normalize, SparseRowStorage<T> destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (destination.Columns != RowSize || SparseRowStorage<T>.GroupWidth != Group)
            throw new ArgumentException($"Images of {RowSize} values do not fit sparse rows of {destination.Columns}.", nameof(destination));
        var start = Start;
        long total = 0;
        foreach (int img in images) total += start[img + 1] - start[img];
        destination.Resize(images.Length, total);
        int stride = Groups + 1, n = images.Length;
        // Each image's first and end positions, so that the rows can be filled independently, in any order.
        var gsOut = destination.GroupStartArray;
        for (int i = 0, p = 0; i < n; i++)
        {
            gsOut[i * stride] = p;
            p += start[images[i] + 1] - start[images[i]];
            gsOut[i * stride + Groups] = p;
        }
        var fill = destination.LastFill as RowFill<T> ?? new RowFill<T>();
        fill.Set(this, images, normalize, destination);
        destination.Defer(fill);
    }

    /// <summary>The deferred entries of a <see cref="Gather{T}"/>: any range of its images, on the calling thread.</summary>
    private sealed unsafe class RowFill<T> : Kernels.IRowFill where T : unmanaged, IFloatingPointIeee754<T>
    {
        private NonZeroIndex? _index;
        private SparseRowStorage<T>? _dst;
        private int[] _images = [];
        private bool _normalize;

        public void Set(NonZeroIndex index, ReadOnlySpan<int> images, bool normalize, SparseRowStorage<T> dst)
        {
            if (_images.Length < images.Length) _images = new int[images.Length];
            images.CopyTo(_images);
            _index = index; _normalize = normalize; _dst = dst;
        }

        public void FillRows(int first, int end)
        {
            var index = _index!;
            var dst = _dst!;
            int stride = index.Groups + 1;
            fixed (int* start = index.Start, gsOut = dst.GroupStartArray, colsOut = dst.ColumnArray, imgs = _images)
            fixed (T* valsOut = dst.ValueArray)
            fixed (ushort* srcCols = index.Cols, groupStarts = index.GroupStarts)
            fixed (byte* srcVals = index.Values)
            {
                // The index is tens of MB and a batch's images are anywhere in it: each image's entries are asked for
                // a few images ahead of their copy, so the copy does not wait on memory image after image.
                const int Ahead = 4;
                for (int i = first; i < Math.Min(end, first + Ahead); i++) Prefetch(start, imgs[i], srcCols, srcVals, groupStarts, stride);
                for (int i = first; i < end; i++)
                {
                    if (i + Ahead < end) Prefetch(start, imgs[i + Ahead], srcCols, srcVals, groupStarts, stride);
                    int img = imgs[i], s = start[img], count = start[img + 1] - s;
                    int* go = gsOut + (long)i * stride;
                    int p = go[0];
                    Kernels.Simd.Widen(srcCols + s, colsOut + p, count);
                    Kernels.ByteRows<T>.Convert(srcVals + s, valsOut + p, count, _normalize);
                    Kernels.Simd.WidenAdd(groupStarts + (long)img * stride + 1, p, go + 1, stride - 1);
                }
            }
            // A loaded index's entries are a mapped file's memory, which the index keeps mapped: keep it to here.
            GC.KeepAlive(index);
        }
    }

    /// <summary>Asks for the cache lines of image <paramref name="img"/>'s entries and group starts.</summary>
    private static unsafe void Prefetch(int* start, int img, ushort* cols, byte* vals, ushort* groupStarts, int groupStride)
    {
        int s = start[img], count = start[img + 1] - s;
        Kernels.Simd.PrefetchLines((byte*)(cols + s), count * sizeof(ushort));
        Kernels.Simd.PrefetchLines(vals + s, count);
        Kernels.Simd.PrefetchLines((byte*)(groupStarts + (long)img * groupStride), groupStride * sizeof(ushort));
    }
}
