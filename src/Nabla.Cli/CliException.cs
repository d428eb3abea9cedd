namespace Nabla.Cli;

/// <summary>A user-facing error: printed as one line, exit code 1 (or <see cref="ExitCode"/>).</summary>
public sealed class CliException(string message, int exitCode = 1) : Exception(message)
{
    /// <summary>The process exit code.</summary>
    public int ExitCode { get; } = exitCode;
}
