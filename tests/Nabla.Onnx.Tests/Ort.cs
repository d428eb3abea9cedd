using Microsoft.ML.OnnxRuntime;

namespace Nabla.Onnx.Tests;

/// <summary>ONNX Runtime, the real other side: runs a model file on a batch and returns one output's values.</summary>
public static class Ort
{
    /// <summary>Opens a session on the CPU provider (one thread, so parallel tests do not oversubscribe the cores); <paramref name="optimize"/> false turns ORT's graph rewrites off.</summary>
    public static InferenceSession Open(string path, bool optimize = true)
    {
        var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        if (!optimize) options.GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL;
        return new InferenceSession(path, options);
    }

    /// <summary>Runs <paramref name="session"/> on <paramref name="x"/> (any shape) and returns <paramref name="output"/>'s values and shape.</summary>
    public static (float[] Values, long[] Shape) Run(InferenceSession session, Tensor<float> x, string output = Onnx.ScoresName)
    {
        var data = x.ToArray();
        using var input = OrtValue.CreateTensorValueFromMemory(data, [.. x.Shape.ToArray().Select(d => (long)d)]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, [Onnx.InputName], [input], [output]);
        var o = outputs[0];
        return (o.GetTensorDataAsSpan<float>().ToArray(), o.GetTensorTypeAndShape().Shape);
    }

    /// <summary>The index of the largest value in each row of a (rows × k) array.</summary>
    public static int[] ArgMax(ReadOnlySpan<float> values, int k)
    {
        var r = new int[values.Length / k];
        for (int i = 0; i < r.Length; i++)
        {
            var row = values.Slice(i * k, k);
            int best = 0;
            for (int j = 1; j < k; j++) if (row[j] > row[best]) best = j;
            r[i] = best;
        }
        return r;
    }
}
