namespace Nabla.Layers;

/// <summary>The book's multiplication node on scalars (chapter 5, the apple example).</summary>
public sealed class MulLayer
{
    private double _x, _y;

    /// <summary>Returns x·y and remembers both inputs.</summary>
    public double Forward(double x, double y)
    {
        _x = x; _y = y;
        return x * y;
    }

    /// <summary>Returns (dout·y, dout·x): each input's gradient is the other input.</summary>
    public (double Dx, double Dy) Backward(double dout) => (dout * _y, dout * _x);
}

/// <summary>The book's addition node on scalars (chapter 5): passes the gradient through unchanged.</summary>
public sealed class AddLayer
{
    /// <summary>Returns x + y.</summary>
    public double Forward(double x, double y) => x + y;

    /// <summary>Returns (dout, dout).</summary>
    public (double Dx, double Dy) Backward(double dout) => (dout, dout);
}
