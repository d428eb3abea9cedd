using System.Numerics;
using System.Runtime.Intrinsics;

namespace Nabla.Data;

/// <summary>
/// The non-zero pixels of a set of byte images, image after image: each one's column (ushort) and byte value,
/// in column order, and for every group of <see cref="Group"/> columns where that group's entries begin.
/// Built once for a sparse set (MNIST: 19 % of pixels are non-zero, 28 MB for the 60,000 training images),
/// it gives a batch in the sparse-row layout straight from the bytes (<see cref="Gather{T}"/>): the batch's
/// entries are copied from here instead of converting 784 pixels per image and scanning them again.
/// </summary>
internal sealed class NonZeroIndex
{
    /// <summary>Columns per group whose start is recorded (block boundaries of the sparse product are multiples of it).</summary>
    public const int Group = 16;

    private NonZeroIndex(int count, int rowSize, long entries)
    {
        Count = count;
        RowSize = rowSize;
        Groups = (rowSize + Group - 1) / Group;
        Start = new int[count + 1];
        Cols = new ushort[entries];
        Values = new byte[entries];
        GroupStarts = new ushort[(long)count * (Groups + 1)];
    }

    /// <summary>Images indexed.</summary>
    public int Count { get; }

    /// <summary>Values per image.</summary>
    public int RowSize { get; }

    /// <summary>Groups of <see cref="Group"/> columns in an image (the last one may be shorter).</summary>
    public int Groups { get; }

    /// <summary>Image i's entries are <c>Start[i]</c> … <c>Start[i + 1]</c> − 1.</summary>
    public int[] Start { get; }

    /// <summary>Column of each entry, ascending within an image.</summary>
    public ushort[] Cols { get; }

    /// <summary>Pixel byte of each entry (never 0).</summary>
    public byte[] Values { get; }

    /// <summary>
    /// For image i and group g = 0 … <see cref="Groups"/>: how many of its entries lie in columns below g·<see cref="Group"/>,
    /// at <c>i·(Groups + 1) + g</c> (the last one is the image's entry count).
    /// </summary>
    public ushort[] GroupStarts { get; }

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
    /// Indexes <paramref name="pixels"/> (images of <paramref name="rowSize"/> bytes, <paramref name="nonZeros"/> of them
    /// not zero when the caller has counted them already); null when the images are too wide for ushort columns or hold
    /// more entries than an array can.
    /// </summary>
    public static NonZeroIndex? Build(ReadOnlySpan<byte> pixels, int rowSize, long? nonZeros = null)
    {
        if (rowSize <= 0 || rowSize > ushort.MaxValue || pixels.Length % rowSize != 0) return null;
        int count = pixels.Length / rowSize;
        long entries = nonZeros ?? CountNonZeros(pixels);
        if (entries > Array.MaxLength - 64) return null;
        var index = new NonZeroIndex(count, rowSize, entries);
        int p = 0, stride = index.Groups + 1;
        var cols = index.Cols; var values = index.Values; var groupStarts = index.GroupStarts;
        for (int i = 0; i < count; i++)
        {
            index.Start[i] = p;
            var row = pixels.Slice(i * rowSize, rowSize);
            int first = p, gs = i * stride;
            for (int g = 0; g < index.Groups; g++)
            {
                groupStarts[gs + g] = (ushort)(p - first);
                int j1 = Math.Min(rowSize, (g + 1) * Group);
                // Most groups of an MNIST image are blank: one vector compare skips them.
                if (j1 - g * Group == Group && Vector128.IsHardwareAccelerated
                    && Vector128.Create(row.Slice(g * Group, Group)) == Vector128<byte>.Zero) continue;
                for (int j = g * Group; j < j1; j++)
                {
                    byte v = row[j];
                    if (v == 0) continue;
                    cols[p] = (ushort)j;
                    values[p++] = v;
                }
            }
            groupStarts[gs + index.Groups] = (ushort)(p - first);
        }
        index.Start[count] = p;
        return index;
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
        long total = 0;
        foreach (int img in images) total += Start[img + 1] - Start[img];
        destination.Resize(images.Length, total);
        int stride = Groups + 1, n = images.Length;
        // Each image's first and end positions, so that the rows can be filled independently, in any order.
        var gsOut = destination.GroupStartArray;
        for (int i = 0, p = 0; i < n; i++)
        {
            gsOut[i * stride] = p;
            p += Start[images[i] + 1] - Start[images[i]];
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
                    ushort* gs = groupStarts + (long)img * stride;
                    for (int g = 1; g < stride; g++) go[g] = p + gs[g];
                }
            }
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
