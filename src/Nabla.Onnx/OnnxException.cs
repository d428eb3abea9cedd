namespace Nabla.Onnx;

/// <summary>
/// An ONNX file that cannot be read or a network that cannot be written: the message names the file (when there is
/// one) and the problem (the node, the tensor, the operator).
/// </summary>
public sealed class OnnxException : Exception
{
    /// <summary>Creates the exception.</summary>
    public OnnxException(string? path, string problem, Exception? inner = null)
        : base(path is null ? problem : $"{path}: {problem}", inner)
    {
        FilePath = path;
        Problem = problem;
    }

    /// <summary>The file concerned, or null for a stream.</summary>
    public string? FilePath { get; }

    /// <summary>The problem, without the file name.</summary>
    public string Problem { get; }
}
