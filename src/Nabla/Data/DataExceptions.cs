namespace Nabla.Data;

/// <summary>
/// The MNIST or Fashion-MNIST files were not found. The message lists every folder that was
/// looked at (and why each did not qualify) and what to pass, set or install.
/// </summary>
public sealed class DataNotFoundException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The full explanation.</param>
    /// <param name="searched">The folders that were looked at, in order.</param>
    public DataNotFoundException(string message, IReadOnlyList<string> searched) : base(message)
    {
        Searched = searched;
    }

    /// <summary>The folders that were looked at, in lookup order.</summary>
    public IReadOnlyList<string> Searched { get; }
}

/// <summary>
/// Fetching a data set failed from every source. The message says what was tried, how each
/// attempt failed, and what to install or pass instead.
/// </summary>
public sealed class DataFetchException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The full explanation.</param>
    /// <param name="attempts">One line per source tried, with its failure.</param>
    public DataFetchException(string message, IReadOnlyList<string> attempts) : base(message)
    {
        Attempts = attempts;
    }

    /// <summary>One line per source tried, with how it failed.</summary>
    public IReadOnlyList<string> Attempts { get; }
}
