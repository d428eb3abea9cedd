using System.Diagnostics;

namespace Nabla.Onnx.Tests;

/// <summary>The official ONNX checker (Debian's python3-onnx) accepts every exported file, when it is installed.</summary>
public class CheckerTests
{
    /// <summary>
    /// A Python that imports onnx: <c>python3</c> on the PATH, else Debian's <c>/usr/bin/python3</c> (where python3-onnx
    /// installs, and which a pyenv shim may hide); null when neither does. Decided once.
    /// </summary>
    private static readonly Lazy<string?> Python = new(() =>
        new[] { "python3", "/usr/bin/python3" }.FirstOrDefault(p => Run(p, "import onnx", []).Code == 0));

    internal static readonly Lazy<bool> Available = new(() => Python.Value is not null);

    internal static (int Code, string Output) RunPython(string script, IEnumerable<string> args) => Run(Python.Value!, script, args);

    private static (int Code, string Output) Run(string python, string script, IEnumerable<string> args)
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

    [SharedDataFact]
    public void OnnxCheckerAcceptsEveryExportedFileWithFullCheck()
    {
        if (!Available.Value)
        {
            // xunit 2 cannot skip from inside a test: say so in the output and pass.
            Console.WriteLine("SKIPPED: python3 with the onnx module is not installed (apt-get install python3-onnx); the checker test did not run.");
            return;
        }
        using var dir = new TempDir();
        var files = new List<string>();
        foreach (var name in Networks.Names)
        {
            var path = dir.File($"{name}.onnx");
            Onnx.Export(Networks.Get(name), path);
            files.Add(path);
            var noSoftmax = dir.File($"{name}-scores-only-opset13.onnx");
            Onnx.Export(Networks.Get(name), noSoftmax, opset: 13, new OnnxExportOptions { IncludeSoftmax = false });
            files.Add(noSoftmax);
        }
        const string script = """
            import sys, onnx
            for p in sys.argv[1:]:
                onnx.checker.check_model(onnx.load(p), full_check=True)
                print("ok", p)
            """;
        var (code, output) = RunPython(script, files);
        Assert.True(code == 0, output);
        Assert.Equal(files.Count, output.Split('\n').Count(l => l.StartsWith("ok ")));
    }

    [Fact]
    public void TheCheckerRejectsABrokenFile()
    {
        // The checker test above can fail: a graph whose node reads a value nothing defines is refused.
        if (!Available.Value) { Console.WriteLine("SKIPPED: python3-onnx is not installed."); return; }
        using var dir = new TempDir();
        var m = Protobuf.ModelProto.Parser.ParseFrom(Onnx.ToBytes(new Nabla.Models.TwoLayerNet<float>(4, 3, 2)));
        m.Graph.Node[1].Input[0] = "nowhere";
        var path = dir.File("broken.onnx");
        File.WriteAllBytes(path, Google.Protobuf.MessageExtensions.ToByteArray(m));
        var (code, _) = RunPython("import sys, onnx; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)", [path]);
        Assert.NotEqual(0, code);
    }
}
