using System.Buffers;
using System.IO.MemoryMappedFiles;

namespace Nabla.Data;

/// <summary>
/// A file mapped read-only into memory, for the data caches' own files (decoded image copies, non-zero indexes), which
/// are never changed once written (a new version is written to a temporary file and renamed). Its bytes are the
/// operating system's page cache itself: reading a mapped 47 MB copy maps pages that are already in memory, where
/// reading it into a new array first makes the kernel hand out and clear 11,500 fresh pages, one fault each (on the
/// virtual machines here, 2–16 µs a fault: docs/benchmarks.md).
/// </summary>
/// <remarks>
/// The mapping lives as long as any <see cref="Memory{T}"/> taken from it is reachable, and is released by the view's
/// own finalizer after that. Code that works on a raw pointer into it must keep the object holding the memory alive
/// until it is done (<see cref="GC.KeepAlive"/>), as for any native memory.
/// </remarks>
internal sealed unsafe class MappedFile
{
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _start;

    private MappedFile(MemoryMappedViewAccessor view, long length)
    {
        _view = view;
        _start = (byte*)view.SafeMemoryMappedViewHandle.DangerousGetHandle() + view.PointerOffset;
        Length = length;
    }

    /// <summary>The file's length in bytes.</summary>
    public long Length { get; }

    /// <summary>Maps <paramref name="path"/> read-only; null when it cannot be (missing, empty, unreadable, or no mapping on this platform).</summary>
    public static MappedFile? TryOpen(string path)
    {
        try
        {
            // Others may delete or replace the file meanwhile (a cache trim, a newer copy renamed over it): the mapping
            // keeps the bytes it was opened on.
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            long length = stream.Length;
            if (length == 0) return null;
            using var file = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
            var view = file.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            return new MappedFile(view, length);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or PlatformNotSupportedException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>The bytes [offset, offset + length) of the file.</summary>
    public ReadOnlySpan<byte> Bytes(long offset, int length)
    {
        Check(offset, length, 1);
        return new ReadOnlySpan<byte>(_start + offset, length);
    }

    /// <summary>
    /// <paramref name="count"/> values of <typeparamref name="T"/> from byte <paramref name="offset"/> on (a multiple of
    /// the value's size), as memory that keeps the mapping alive.
    /// </summary>
    public ReadOnlyMemory<T> Memory<T>(long offset, int count) where T : unmanaged
    {
        Check(offset, count, sizeof(T));
        if (offset % sizeof(T) != 0) throw new ArgumentException($"Offset {offset} is not a multiple of {sizeof(T)} bytes.", nameof(offset));
        return new Region<T>(this, (T*)(_start + offset), count).Memory;
    }

    private void Check(long offset, int count, int size)
    {
        if (offset < 0 || count < 0 || offset > Length || (long)count * size > Length - offset)
            throw new ArgumentOutOfRangeException(nameof(offset), $"{count} values of {size} bytes at offset {offset} pass the end of a {Length}-byte file.");
    }

    /// <summary>A stretch of the mapping as <see cref="Memory{T}"/>: pinning is a no-op, the memory never moves.</summary>
    private sealed class Region<T>(MappedFile owner, T* start, int count) : MemoryManager<T> where T : unmanaged
    {
        // Held so that the mapping outlives every memory taken from it.
        private readonly MappedFile _owner = owner;

        public override Span<T> GetSpan() => new(start, count);

        public override MemoryHandle Pin(int elementIndex = 0)
        {
            if ((uint)elementIndex > (uint)count) throw new ArgumentOutOfRangeException(nameof(elementIndex));
            return new MemoryHandle(start + elementIndex, default, this);
        }

        public override void Unpin() => GC.KeepAlive(_owner);

        protected override void Dispose(bool disposing) { }
    }
}
