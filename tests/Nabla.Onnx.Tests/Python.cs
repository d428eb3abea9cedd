using System.Collections.Concurrent;
using System.Diagnostics;

namespace Nabla.Onnx.Tests;

/// <summary>Python for the tests that use the real other side's tools (the ONNX checker, PyTorch's exporter).</summary>
public static class Python
{
    private static readonly ConcurrentDictionary<string, Lazy<string?>> _with = new();

    /// <summary>
    /// A Python that imports <paramref name="module"/>: <c>python3</c> on the PATH, else Debian's <c>/usr/bin/python3</c>
    /// (where python3-onnx and python3-torch install, and which a pyenv shim may hide); null when neither does.
    /// </summary>
    public static string? With(string module) => _with.GetOrAdd(module, m => new Lazy<string?>(() =>
        new[] { "python3", "/usr/bin/python3" }.FirstOrDefault(p => Run(p, $"import {m}", []).Code == 0))).Value;

    /// <summary>Runs <paramref name="script"/> with <paramref name="args"/>; returns the exit code and the output.</summary>
    public static (int Code, string Output) Run(string python, string script, IEnumerable<string> args)
    {
        try
        {
            var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add(script);
            foreach (var a in args) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var stderr = p.StandardError.ReadToEndAsync();
            string stdout = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, stdout + stderr.Result);
        }
        catch (System.ComponentModel.Win32Exception e) { return (-1, e.Message); }
    }
}
