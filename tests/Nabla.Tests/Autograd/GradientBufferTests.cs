using Nabla.Autograd;
using Nabla.Optimizers;
using static Nabla.Autograd.Ops;

namespace Nabla.Tests.AutogradEngine;

/// <summary>
/// A backward that is not recorded computes Linear's, ReLU's and softmax cross-entropy's gradients on tensors and writes
/// parameters' gradients into tensors they keep from step to step: the values must be those of the recorded backward,
/// accumulation must still add, and a parameter used twice by one operation must get both contributions.
/// </summary>
public class GradientBufferTests
{
    private static Tensor<double> R(int seed, params int[] shape) => Tensor<double>.RandomNormal(seed, shape);

    private static Variable<double> Net(Variable<double> x, Variable<double> w1, Variable<double> b1, Variable<double> w2, Variable<double> b2) =>
        SoftmaxCrossEntropy(Linear(Relu(Linear(x, w1, b1)), w2, b2), [1, 0, 3, 3, 2]);

    [Fact]
    public void TheBackwardOnTensorsGivesTheRecordedBackwardsGradients()
    {
        var x = new Variable<double>(R(1, 5, 6), "x");
        Variable<double>[] ps = [new Parameter<double>(R(2, 6, 4)), new Parameter<double>(R(3, 4)), new Parameter<double>(R(4, 4, 4)), new Parameter<double>(R(5, 4))];
        var loss = Net(x, ps[0], ps[1], ps[2], ps[3]);
        loss.Backward();
        var plain = ps.Prepend(x).Select(v => v.Grad!.Data.Clone()).ToArray();
        foreach (var v in ps.Prepend(x)) v.ClearGrad();

        loss = Net(x, ps[0], ps[1], ps[2], ps[3]);
        loss.Backward(createGraph: true);
        var recorded = ps.Prepend(x).Select(v => v.Grad!).ToArray();
        Assert.NotNull(recorded[0].Creator); // the recorded path really ran: its gradient has a graph behind it
        for (int i = 0; i < plain.Length; i++)
            Assert.True(plain[i].AllClose(recorded[i].Data, 1e-14, 1e-14), $"input {i}: the plain and the recorded backward differ");
    }

    [Fact]
    public void AParameterKeepsItsGradientTensorAndAccumulatesIntoIt()
    {
        var w = new Parameter<double>(R(6, 3, 2), "W");
        var x = Variable<double>.Constant(R(7, 4, 3));
        Sum(Linear(x, w)).Backward();
        var first = w.Grad!.Data;
        var expected = Tensor<double>.MatMul(x.Data.Transpose(), Tensor<double>.Ones(4, 2));
        Assert.True(first.AllClose(expected, 1e-12, 1e-12));

        // No ClearGrad: a second backward adds (in the same tensor).
        Sum(Linear(x, w)).Backward();
        Assert.True(w.Grad!.Data.AllClose(expected * 2.0, 1e-12, 1e-12));
        Assert.Same(first, w.Grad.Data);

        // After ClearGrad the next backward writes the new gradient over the old tensor: nothing of the old sum is left.
        w.ClearGrad();
        Sum(Linear(x, w) * 3.0).Backward();
        Assert.Same(first, w.Grad!.Data);
        Assert.True(w.Grad.Data.AllClose(expected * 3.0, 1e-12, 1e-12));
    }

    [Fact]
    public void AParameterUsedAsSeveralInputsOfOneOperationGetsEveryContribution()
    {
        // Linear(p, p, p) = p·p + p: p is the input, the weight and the bias at once.
        var data = R(8, 3, 3);
        var p = new Parameter<double>(data.Clone(), "p");
        var v = new Variable<double>(data.Clone(), "v");
        for (int step = 0; step < 2; step++) // the second time the parameter's kept tensor is handed out again
        {
            p.ClearGrad(); v.ClearGrad();
            Sum(Linear(p, p, p)).Backward();
            Sum(Linear(v, v, v)).Backward();
            Assert.True(p.Grad!.Data.AllClose(v.Grad!.Data, 1e-14, 1e-14), $"step {step}: the parameter's gradient lost a contribution");
        }
        var r = GradCheck.Check(u => Linear(u[0], u[0], u[0]), data);
        Assert.True(r.Passed, r.Message);
    }

    [Fact]
    public void TrainingStepsReuseTheGradientTensorsAndTheOptimizersDictionary()
    {
        var net = new Nabla.Autograd.TwoLayerNet<double>(6, 4, 3, rng: new Random(1));
        var view = new OptimizerView<double>(net);
        var sgd = new Sgd<double>(0.1);
        var x = Variable<double>.Constant(R(9, 5, 6));
        int[] labels = [0, 2, 1, 1, 0];
        IReadOnlyDictionary<string, Tensor<double>>? before = null;
        for (int step = 0; step < 3; step++)
        {
            net.ClearGrads();
            net.Loss(x, labels).Backward();
            view.Step(sgd);
            if (step == 1) before = view.Grads;
        }
        Assert.Same(before, view.Grads);
        foreach (var (name, p) in net.Parameters()) Assert.Same(p.Grad!.Data, view.Grads[name]);
    }
}
