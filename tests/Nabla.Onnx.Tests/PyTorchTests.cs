using Nabla.IO;

namespace Nabla.Onnx.Tests;

/// <summary>
/// Models from another tool: PyTorch 1.13 (Debian's python3-torch) exports a fully connected network (Linear, BatchNorm1d,
/// Tanh, Dropout, Sigmoid, Softmax) and a convnet (Conv2d with BatchNorm2d, which PyTorch folds into it, ReLU, MaxPool2d,
/// a strided Conv2d, Flatten, Linear); Nabla loads both files and computes PyTorch's own outputs.
/// </summary>
public class PyTorchTests
{
    [Fact]
    public void PyTorchExportsLoadAndComputeWhatPyTorchComputed()
    {
        var python = Python.With("torch");
        if (python is null)
        {
            Console.WriteLine("SKIPPED: python3 with torch is not installed (apt-get install python3-torch); the PyTorch test did not run.");
            return;
        }
        using var dir = new TempDir();
        var script = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "torch_models.py"));
        var (code, output) = Python.Run(python, script, [dir.Path]);
        Assert.True(code == 0, output);
        foreach (var name in new[] { "mlp", "cnn" })
        {
            var net = Onnx.Load(dir.File($"{name}.onnx"));
            var x = Npy.Read(dir.File($"{name}-x.npy")).ToTensor<float>();
            var expected = Npy.Read(dir.File($"{name}-y.npy")).ToTensor<float>().ToArray();
            var actual = net.Predict(x).ToArray();
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++)
                Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5, $"{name}, value {i}: PyTorch {expected[i]}, Nabla {actual[i]}");
            // And export again: ONNX Runtime runs Nabla's rewrite of PyTorch's file to the same values.
            var again = dir.File($"{name}-nabla.onnx");
            Onnx.Export(net, again);
            using var session = Ort.Open(again);
            var (ort, _) = Ort.Run(session, x);
            for (int i = 0; i < expected.Length; i++)
                Assert.True(Math.Abs(expected[i] - ort[i]) <= 1e-5, $"{name} re-exported, value {i}: PyTorch {expected[i]}, ONNX Runtime {ort[i]}");
        }
    }
}
