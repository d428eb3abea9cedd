using System.Security.Cryptography;
using System.Text;

namespace Nabla.Data;

/// <summary>
/// Gzipped IDX image files kept decompressed in a cache folder after their first read, so that later loads read the
/// raw file instead of inflating it again — as the book's <c>mnist.py</c> keeps <c>mnist.pkl</c> after its first run.
/// </summary>
/// <remarks>
/// <para>A cached copy is named after its source's full path, and after the source's length and last write time: a source
/// that is replaced or touched gets a new copy, and the copies of its earlier versions are deleted when the new one is
/// written. Copies are written to a temporary file and renamed into place, so a crash leaves no partial copy under the
/// real name.</para>
/// <para>The cache only ever saves time: a copy that cannot be read (truncated, not IDX) is deleted and the source decoded
/// again, and a cache folder that cannot be written is ignored. Errors in the source file are reported exactly as
/// without the cache.</para>
/// <para>Later reads map a copy rather than read it (<see cref="Open"/>), and keep beside it the index of its images'
/// non-zero pixels (<see cref="IndexPath"/>, written by <see cref="ByteImages{T}"/> when it first builds it): both would
/// otherwise cost fresh memory, which is slow to hand out on the virtual machines here.</para>
/// <para>The folder is bounded: after a copy is written, the least recently used copies (by write time, which a read of a
/// copy renews) are deleted, each with its index, until the copies and indexes take at most
/// <see cref="DefaultMaximumCacheBytes"/>, never the copy just written; an index whose copy is gone is deleted too.
/// Without that, every data folder ever read (MNIST, Fashion-MNIST, copies of them elsewhere) would leave its 55 MB behind
/// for good. An index written after its copy counts from the next copy written on.</para>
/// </remarks>
internal static partial class DecodedCache
{
    /// <summary>
    /// Images read through the cache: their pixels (an array, or a mapped copy's bytes), their count and size, and where the
    /// index of their non-zero pixels is kept (beside the copy; null when there is none).
    /// </summary>
    internal sealed record CachedImages(ReadOnlyMemory<byte> Pixels, int Count, int Rows, int Columns, string? IndexPath)
    {
        public static CachedImages Of(IdxImages images, string? indexPath) => new(images.Pixels, images.Count, images.Rows, images.Columns, indexPath);
    }

    /// <summary>Gzipped sources smaller than this are decoded each time: inflating them costs less than a cache lookup is worth.</summary>
    public const long DefaultMinimumSourceBytes = 1 << 20;

    /// <summary>The most the copies may take together (512 MiB: MNIST's and Fashion-MNIST's four image files take 110 MB).</summary>
    public const long DefaultMaximumCacheBytes = 512L << 20;

    /// <summary>
    /// The images of <paramref name="path"/>: from the decompressed copy in <paramref name="cacheDirectory"/> when it is
    /// there, else decoded from the source and, when the source is a gzipped file of at least
    /// <paramref name="minimumSourceBytes"/>, copied into the cache. A null <paramref name="cacheDirectory"/> reads the source.
    /// </summary>
    /// <exception cref="DataFormatException">The source file is not a valid IDX image file.</exception>
    public static IdxImages ReadImages(string path, string? cacheDirectory, long minimumSourceBytes = DefaultMinimumSourceBytes,
        long maximumCacheBytes = DefaultMaximumCacheBytes)
    {
        return ReadThrough(path, cacheDirectory is null ? null : CopyPath(path, cacheDirectory, minimumSourceBytes), maximumCacheBytes);
    }

    /// <summary><see cref="ReadImages"/> once the copy's path is known (null: no copy is kept for this source).</summary>
    private static IdxImages ReadThrough(string path, string? copy, long maximumCacheBytes)
    {
        if (copy is null) return Idx.ReadImages(path);
        if (File.Exists(copy))
        {
            try
            {
                var cached = Idx.ReadImages(copy);
                Touch(copy);
                return cached;
            }
            catch (Exception e) when (e is DataFormatException or IOException or UnauthorizedAccessException)
            {
                TryDelete(copy);
                TryDelete(IndexPath(copy));
            }
        }
        var images = Idx.ReadImages(path);
        if (Write(images, copy)) Trim(copy, maximumCacheBytes);
        return images;
    }

    /// <summary>
    /// The images of <paramref name="path"/> as <see cref="ReadImages"/> gives them, except that a copy already in the cache is
    /// mapped (<see cref="MappedFile"/>) rather than read into a new array, and that the result says where the images'
    /// index of non-zero pixels is kept beside the copy (<see cref="IndexPath"/>; null when there is no copy).
    /// </summary>
    /// <exception cref="DataFormatException">The source file is not a valid IDX image file.</exception>
    public static CachedImages Open(string path, string? cacheDirectory, long minimumSourceBytes = DefaultMinimumSourceBytes,
        long maximumCacheBytes = DefaultMaximumCacheBytes)
    {
        string? copy = cacheDirectory is null ? null : CopyPath(path, cacheDirectory, minimumSourceBytes);
        if (copy is null) return CachedImages.Of(Idx.ReadImages(path), null);
        if (File.Exists(copy) && MappedFile.TryOpen(copy) is { } mapped)
        {
            if (MappedImages(mapped) is { } images)
            {
                Touch(copy);
                return images with { IndexPath = IndexPath(copy) };
            }
            TryDelete(copy);
            TryDelete(IndexPath(copy));
        }
        var read = ReadThrough(path, copy, maximumCacheBytes);
        return CachedImages.Of(read, File.Exists(copy) ? IndexPath(copy) : null);
    }

    /// <summary>A mapped copy's images when its header is an IDX image header that matches its length, else null.</summary>
    private static CachedImages? MappedImages(MappedFile file)
    {
        const int HeaderBytes = 16;
        if (file.Length < HeaderBytes) return null;
        var header = file.Bytes(0, HeaderBytes);
        int magic = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header);
        int count = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header[4..]);
        int rows = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header[8..]);
        int columns = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header[12..]);
        if (magic != Idx.ImagesMagic || count < 0 || rows <= 0 || columns <= 0) return null;
        long bytes = (long)count * rows * columns;
        if (bytes > Array.MaxLength || file.Length != HeaderBytes + bytes) return null;
        return new CachedImages(file.Memory<byte>(HeaderBytes, (int)bytes), count, rows, columns, null);
    }

    /// <summary>Where the index of non-zero pixels of a copy's images is kept: beside it, named after it.</summary>
    internal static string IndexPath(string copy) => copy + IndexSuffix;

    private const string IndexSuffix = ".nzi";

    /// <summary>Where the decompressed copy of <paramref name="path"/> lives, or null when the source is not worth caching.</summary>
    internal static string? CopyPath(string path, string cacheDirectory, long minimumSourceBytes)
    {
        var source = new FileInfo(path);
        if (!source.Exists || source.Length < minimumSourceBytes || !IsGzipFile(source.FullName)) return null;
        string version = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{source.Length}:{source.LastWriteTimeUtc.Ticks}");
        return Path.Combine(Path.GetFullPath(cacheDirectory), $"{Prefix(source)}{Hash(version)}.idx");
    }

    /// <summary>The part of a copy's name that names its source (its full path, hashed, and its file name), without the version.</summary>
    private static string Prefix(FileInfo source) =>
        $"{Hash(source.FullName)}-{Path.GetFileNameWithoutExtension(source.Name)}-";

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)), 0, 8);

    private static bool IsGzipFile(string path)
    {
        try
        {
            using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
            Span<byte> head = stackalloc byte[2];
            return f.ReadAtLeast(head, 2, throwOnEndOfStream: false) == 2 && Idx.IsGzip(head);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Writes the copy atomically and deletes the copies of the same source's earlier versions; gives up silently (false)
    /// when the folder cannot be written.
    /// </summary>
    private static bool Write(IdxImages images, string copy)
    {
        string dir = Path.GetDirectoryName(copy)!;
        string temp = copy + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            Directory.CreateDirectory(dir);
            Idx.WriteImages(temp, images, gzip: false);
            File.Move(temp, copy, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            return false;
        }
        // The name is the prefix (ending in '-') and the version's hash (hex digits); earlier versions share the prefix.
        string name = Path.GetFileName(copy);
        string prefix = name[..(name.LastIndexOf('-') + 1)];
        try
        {
            foreach (var old in Directory.EnumerateFiles(dir, prefix + "*.idx"))
                if (!string.Equals(Path.GetFileName(old), name, StringComparison.Ordinal))
                {
                    TryDelete(old);
                    TryDelete(IndexPath(old));
                }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return true;
    }

    /// <summary>Marks a copy as just used (its write time: the order <see cref="Trim"/> deletes in); best effort.</summary>
    private static void Touch(string copy)
    {
        try { File.SetLastWriteTimeUtc(copy, DateTime.UtcNow); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    /// <summary>
    /// Deletes the least recently used copies in <paramref name="keep"/>'s folder, oldest first and each with its index,
    /// until the copies and their indexes take at most <paramref name="maximumBytes"/>, and any index without a copy;
    /// <paramref name="keep"/> itself stays even when it alone is larger. Best effort: a copy that cannot be deleted (in
    /// use elsewhere) is passed over.
    /// </summary>
    private static void Trim(string keep, long maximumBytes)
    {
        try
        {
            // Only files named as copies (and their indexes) are ours to delete: the folder may be shared with other files.
            var folder = new DirectoryInfo(Path.GetDirectoryName(keep)!);
            var copies = folder.GetFiles("*.idx").Where(f => IsCopyName(f.Name)).ToArray();
            var indexes = folder.GetFiles("*.idx" + IndexSuffix).Where(f => IsCopyName(f.Name[..^IndexSuffix.Length])).ToDictionary(f => f.FullName[..^IndexSuffix.Length]);
            // An index whose copy is gone is of no use.
            foreach (var (copy, index) in indexes)
                if (!File.Exists(copy)) TryDelete(index.FullName);
            long Size(FileInfo copy) => copy.Length + (indexes.TryGetValue(copy.FullName, out var index) ? index.Length : 0);
            long total = copies.Sum(Size);
            foreach (var old in copies.OrderBy(f => f.LastWriteTimeUtc))
            {
                if (total <= maximumBytes) break;
                if (string.Equals(old.FullName, keep, StringComparison.Ordinal)) continue;
                long length = Size(old);
                TryDelete(old.FullName);
                if (File.Exists(old.FullName)) continue;
                TryDelete(IndexPath(old.FullName));
                total -= length;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    /// <summary>Whether a file name has the form of a copy's: the source's hash, its file name and the version's hash.</summary>
    internal static bool IsCopyName(string name) => CopyName().IsMatch(name);

    [System.Text.RegularExpressions.GeneratedRegex("^[0-9a-f]{16}-.+-[0-9a-f]{16}\\.idx$")]
    private static partial System.Text.RegularExpressions.Regex CopyName();

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
