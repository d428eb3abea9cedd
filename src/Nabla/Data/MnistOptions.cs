namespace Nabla.Data;

/// <summary>
/// Options of <see cref="Mnist.Load{T}"/> and <see cref="FashionMnist.Load{T}"/>, named after the book's
/// <c>load_mnist(normalize, flatten, one_hot_label)</c> with the same defaults.
/// </summary>
public sealed class MnistOptions
{
    /// <summary>Scale pixels to 0.0–1.0 (pixel / 255); otherwise keep the raw values 0–255. Default true.</summary>
    public bool Normalize { get; set; } = true;

    /// <summary>Images as rows of 784 values, shape (N, 784); otherwise (N, 1, 28, 28). Default true.</summary>
    public bool Flatten { get; set; } = true;

    /// <summary>Labels one-hot, shape (N, 10); otherwise the class value, shape (N,). Default false.</summary>
    public bool OneHot { get; set; }

    /// <summary>
    /// Load only the two test files (chapter 3's inference needs no training data); the training
    /// tensors are then empty, with 0 rows. Default false.
    /// </summary>
    public bool TestOnly { get; set; }

    /// <summary>
    /// The folder holding the four files (or a parent with a <c>mnist/</c> or <c>fashion-mnist/</c>
    /// subfolder). When set, nothing else is searched. Default null: search in the documented order.
    /// </summary>
    public string? Directory { get; set; }

    /// <summary>The places searched after <see cref="Directory"/>; null means <see cref="DataSearchPaths.FromEnvironment"/>.</summary>
    public DataSearchPaths? SearchPaths { get; set; }

    /// <summary>
    /// A folder where the gzipped image files are kept decompressed after their first read, so that later loads skip the
    /// decompression, as the book's <c>mnist.py</c> keeps <c>mnist.pkl</c> (the <c>nabla</c> tool uses <c>decoded/</c> in the
    /// user cache, <see cref="DataSearchPaths.CacheRoot"/>). A copy is remade when its source's length or last write time
    /// changes; a copy that cannot be read is decoded again, and a folder that cannot be written is ignored. Files under
    /// 1 MiB are not copied. The copies take at most 512 MiB: beyond that the least recently used are deleted as a new one
    /// is written. Default null: no copies.
    /// </summary>
    public string? DecodedCacheDirectory { get; set; }
}
