namespace Nabla;

/// <summary>
/// A data file is not valid: an IDX file with a wrong magic number, impossible dimensions, too
/// little or too much data, a label outside 0–9, or images and labels that disagree; a .npy/.npz
/// with a bad header; a pickle that is truncated or asks for something other than NumPy arrays.
/// The message names the file and the byte offset of the problem.
/// </summary>
public sealed class DataFormatException : IOException
{
    /// <summary>Creates the exception for <paramref name="filePath"/>.</summary>
    /// <param name="filePath">The file (or stream name) that is wrong.</param>
    /// <param name="offset">Byte offset of the problem in the (decompressed) content, or -1 when it is not about one place.</param>
    /// <param name="problem">What is wrong, in words.</param>
    /// <param name="inner">The underlying error, if any.</param>
    public DataFormatException(string filePath, long offset, string problem, Exception? inner = null)
        : base(Format(filePath, offset, problem), inner)
    {
        FilePath = filePath;
        Offset = offset;
        Problem = problem;
    }

    /// <summary>The file (or stream name) that is wrong.</summary>
    public string FilePath { get; }

    /// <summary>Byte offset of the problem in the decompressed content, or -1 when it concerns no single place.</summary>
    public long Offset { get; }

    /// <summary>What is wrong, without the file name and offset.</summary>
    public string Problem { get; }

    private static string Format(string filePath, long offset, string problem) =>
        offset >= 0 ? $"{filePath}: at byte offset {offset}: {problem}" : $"{filePath}: {problem}";
}
