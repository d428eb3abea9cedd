namespace Nabla.Training;

/// <summary>
/// An <see cref="IProgress{T}"/> that calls its handler at once, on the reporting thread. The framework's
/// <see cref="Progress{T}"/> posts each report to the captured context or the thread pool, so in a console
/// program reports arrive late and out of order; use this one to print or draw them in step.
/// </summary>
/// <param name="handler">Called with every report.</param>
public sealed class SynchronousProgress<T>(Action<T> handler) : IProgress<T>
{
    /// <inheritdoc/>
    public void Report(T value) => handler(value);
}
