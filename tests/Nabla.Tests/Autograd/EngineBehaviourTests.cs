using System.Runtime.CompilerServices;
using Nabla.Autograd;
using static Nabla.Autograd.Ops;

namespace Nabla.Tests.AutogradEngine;

/// <summary>Bad input, memory, and writing a new Function.</summary>
public class EngineBehaviourTests
{
    [Fact]
    public void ShapeMismatchNamesTheOperationAndBothShapes()
    {
        var a = new Variable<double>(Tensor<double>.Ones(2, 3));
        var b = new Variable<double>(Tensor<double>.Ones(4));
        var e = Assert.Throws<ArgumentException>(() => a + b);
        Assert.Contains("Add", e.Message); Assert.Contains("(2, 3)", e.Message); Assert.Contains("(4,)", e.Message);
        e = Assert.Throws<ArgumentException>(() => MatMul(a, a));
        Assert.Contains("MatMul", e.Message); Assert.Contains("(2, 3)", e.Message);
        e = Assert.Throws<ArgumentException>(() => Linear(a, new Variable<double>(Tensor<double>.Ones(2, 5))));
        Assert.Contains("Linear", e.Message); Assert.Contains("(2, 5)", e.Message);
        e = Assert.Throws<ArgumentException>(() => Reshape(a, 4, 2));
        Assert.Contains("Reshape", e.Message); Assert.Contains("(4, 2)", e.Message);
        e = Assert.Throws<ArgumentException>(() => MeanSquaredError(a, b));
        Assert.Contains("MeanSquaredError", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => GetItem(a, [5]));
        Assert.Throws<ArgumentOutOfRangeException>(() => SoftmaxCrossEntropy(a, [0, 3]));
    }

    [Fact]
    public void BackwardOnANonScalarNeedsASeed()
    {
        var x = new Variable<double>(Tensor<double>.Ones(2, 3));
        var y = x * x;
        var e = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("non-scalar", e.Message); Assert.Contains("seed", e.Message); Assert.Contains("(2, 3)", e.Message);
        y.Backward(new Variable<double>(Tensor<double>.Ones(2, 3)));
        Assert.Equal(2, x.Grad!.Data[1, 2]);
        Assert.Throws<ArgumentException>(() => y.Backward(new Variable<double>(Tensor<double>.Ones(3))));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (WeakReference Intermediate, WeakReference Output) BuildAndDrop(Variable<double> x)
    {
        var a = Tanh(x);
        var b = Exp(a) * a;
        var y = Sum(b);
        y.Backward();
        return (new WeakReference(a), new WeakReference(y));
    }

    [Fact]
    public void GraphsAreFreedOnceTheOutputIsUnreachable()
    {
        var x = new Variable<double>(Tensor<double>.Ones(50, 50));
        var (a, y) = BuildAndDrop(x);
        for (int i = 0; i < 3 && (a.IsAlive || y.IsAlive); i++)
        {
            GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
        }
        Assert.False(y.IsAlive);
        Assert.False(a.IsAlive);
        Assert.NotNull(x.Grad);
    }

    [Fact]
    public void BackwardOnATemporaryOutputSurvivesCollections()
    {
        // Functions hold outputs weakly; f(x).Backward() must not lose its own output to a collection mid-way.
        using var stop = new CancellationTokenSource();
        var collector = new Thread(() => { while (!stop.IsCancellationRequested) GC.Collect(); }) { IsBackground = true };
        collector.Start();
        try
        {
            for (int i = 0; i < 3000; i++)
            {
                var x = new Variable<double>(3.0);
                Square3(x).Backward();
                Assert.True(x.Grad is not null, $"gradient lost at iteration {i}");
                Assert.Equal(6, x.Grad!.Data.ToScalar());
            }
        }
        finally { stop.Cancel(); collector.Join(); }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Variable<double> Square3(Variable<double> x) => x * x;

    [Fact]
    public void AnIntermediateStaysAliveWhileTheOutputIs()
    {
        var x = new Variable<double>(Tensor<double>.Ones(3));
        WeakReference Make(out Variable<double> y) { var a = Tanh(x); y = Sum(a); return new WeakReference(a); }
        var a = Make(out var y);
        GC.Collect(); GC.WaitForPendingFinalizers();
        Assert.True(a.IsAlive); // y → Sum → its input a
        GC.KeepAlive(y);
    }

    /// <summary>A user's new operation: f(x) = x³, in a few lines.</summary>
    private sealed class Cube : Function<double>
    {
        protected override Tensor<double>[] Forward(Tensor<double>[] x) => [x[0] * x[0] * x[0]];
        protected override Variable<double>?[] Backward(Variable<double>[] gy) => [3.0 * Inputs[0] * Inputs[0] * gy[0]];
    }

    /// <summary>The same with a wrong backward, which GradCheck must catch.</summary>
    private sealed class BadCube : Function<double>
    {
        protected override Tensor<double>[] Forward(Tensor<double>[] x) => [x[0] * x[0] * x[0]];
        protected override Variable<double>?[] Backward(Variable<double>[] gy) => [2.0 * Inputs[0] * Inputs[0] * gy[0]];
    }

    [Fact]
    public void AUserFunctionIsCheckedByGradCheck()
    {
        var x = Tensor<double>.RandomNormal(3, 4, 2);
        var good = GradCheck.Check(v => new Cube().Apply(v[0]), [x]);
        Assert.True(good.Passed, good.Message);
        Assert.True(good.MaxAbsError < 1e-7);
        var bad = GradCheck.Check(v => new BadCube().Apply(v[0]), [x]);
        Assert.False(bad.Passed);
        Assert.Contains("analytic", bad.Message);
        // A user function is differentiable twice because its backward uses engine operations: (x³)'' = 6x.
        var v2 = new Variable<double>(2.0);
        new Cube().Apply(v2).Backward(createGraph: true);
        var g = v2.Grad!; v2.ClearGrad(); g.Backward();
        Assert.Equal(12, v2.Grad!.Data.ToScalar(), 12);
    }

    [Fact]
    public void AFunctionObjectCannotBeAppliedTwice()
    {
        var f = new Cube();
        f.Apply(new Variable<double>(1.0));
        Assert.Throws<InvalidOperationException>(() => f.Apply(new Variable<double>(1.0)));
    }

    [Fact]
    public void ConstantsGetNoGradient()
    {
        var x = new Variable<double>(2.0);
        var c = Variable<double>.Constant(Tensor<double>.Scalar(3));
        (x * c).Backward();
        Assert.Null(c.Grad);
        Assert.Equal(3, x.Grad!.Data.ToScalar());
    }

    [Fact]
    public void FloatWorksToo()
    {
        var x = new Variable<float>(3f);
        var y = x * x + 2f * x;
        y.Backward();
        Assert.Equal(8f, x.Grad!.Data.ToScalar());
    }

    [Fact]
    public void TheEngineKeepsToItsArrowsAndItsAdapterFile()
    {
        string? dir = null;
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null && dir is null; d = d.Parent)
            if (Directory.Exists(Path.Combine(d.FullName, "src", "Nabla", "Autograd"))) dir = Path.Combine(d.FullName, "src", "Nabla", "Autograd");
        Assert.True(dir is not null, "src/Nabla/Autograd not found above the test binaries");
        foreach (var file in Directory.EnumerateFiles(dir!, "*.cs", SearchOption.AllDirectories))
        {
            string name = Path.GetFileName(file), text = File.ReadAllText(file);
            foreach (var banned in new[] { "Nabla.Layers", "Nabla.Models", "Nabla.Training", "Nabla.Data", "Console." })
                Assert.False(text.Contains(banned), $"{name} refers to {banned}");
            if (name != "ParameterFile.cs") Assert.False(text.Contains("IO.Np"), $"{name} uses Nabla.IO outside ParameterFile.cs");
            if (name != "TensorKernels.cs")
                foreach (var kernel in new[] { "Gemm.", "Im2Col.", "PackedGemm", "SmallGemm", "DirectConv", "SparseProduct", "MatMulCache" })
                    Assert.False(text.Contains(kernel), $"{name} calls the kernel {kernel} outside TensorKernels.cs");
        }
    }
}
