namespace Nabla.Data;

/// <summary>
/// The content of an IDX image file: <see cref="Count"/> grey images of
/// <see cref="Rows"/> × <see cref="Columns"/> bytes (0 = background, 255 = ink for MNIST),
/// stored image after image, row after row.
/// </summary>
public sealed class IdxImages
{
    /// <summary>Wraps <paramref name="pixels"/> (no copy) as <paramref name="count"/> images of the given size.</summary>
    /// <exception cref="ArgumentException">A dimension is negative or the pixel count does not match.</exception>
    public IdxImages(byte[] pixels, int count, int rows, int columns)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        if ((long)count * rows * columns != pixels.Length)
            throw new ArgumentException(
                $"{count} images of {rows}x{columns} need {(long)count * rows * columns} bytes, but {pixels.Length} were given.",
                nameof(pixels));
        Pixels = pixels;
        Count = count;
        Rows = rows;
        Columns = columns;
    }

    /// <summary>All pixels, image after image, row-major within an image.</summary>
    public byte[] Pixels { get; }

    /// <summary>Number of images.</summary>
    public int Count { get; }

    /// <summary>Height of each image in pixels.</summary>
    public int Rows { get; }

    /// <summary>Width of each image in pixels.</summary>
    public int Columns { get; }

    /// <summary>Pixels per image (<see cref="Rows"/> × <see cref="Columns"/>).</summary>
    public int PixelsPerImage => Rows * Columns;

    /// <summary>The pixels of image <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> Image(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return Pixels.AsSpan(index * PixelsPerImage, PixelsPerImage);
    }
}
