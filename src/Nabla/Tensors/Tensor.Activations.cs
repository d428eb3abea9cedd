namespace Nabla;

public sealed partial class Tensor<T>
{
    /// <summary><paramref name="destination"/> = max(0, <paramref name="x"/>), element-wise (same shapes), on all cores for large tensors.</summary>
    public static void Relu(Tensor<T> x, Tensor<T> destination)
    {
        RequireSameShape(x, destination, "Relu");
        Kernels.ReluKernel<T>.Forward(x.Span, destination.Span);
    }

    /// <summary>The ReLU's gradient: <paramref name="dx"/> = <paramref name="dout"/> where <paramref name="output"/> &gt; 0, else 0 (same shapes).</summary>
    public static void ReluBackward(Tensor<T> output, Tensor<T> dout, Tensor<T> dx)
    {
        RequireSameShape(output, dout, "ReluBackward(dout)");
        RequireSameShape(output, dx, "ReluBackward(dx)");
        Kernels.ReluKernel<T>.Backward(output.Span, dout.Span, dx.Span);
    }
}
