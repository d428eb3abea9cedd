using Nabla.Data;

namespace Nabla.Tests.Data;

public class RealDataTests
{
    [SharedDataFact]
    public void MnistLoadsWithTheBooksShapesAndFirstLabels()
    {
        var d = Mnist.Load<float>(new MnistOptions { Directory = SharedData.Path("mnist"), SearchPaths = DataTestFiles.Paths() });
        Assert.Equal(new[] { 60000, 784 }, d.XTrain.Shape.ToArray());
        Assert.Equal(new[] { 60000 }, d.TTrain.Shape.ToArray());
        Assert.Equal(new[] { 10000, 784 }, d.XTest.Shape.ToArray());
        Assert.Equal(new[] { 10000 }, d.TTest.Shape.ToArray());
        Assert.Equal(5, d.LabelsTrain[0]);
        Assert.Equal(7, d.LabelsTest[0]);
        Assert.Equal(5f, d.TTrain.Span[0]);
        float max = 0;
        foreach (var v in d.XTrain.Span) max = MathF.Max(max, v);
        Assert.Equal(1f, max);
        Assert.Contains("explicit directory", d.Source);
    }

    [SharedDataFact]
    public void FashionMnistLoadsTestOnlyViaNablaDataParent()
    {
        var d = FashionMnist.LoadTestOnly<double>(new MnistOptions
        {
            Flatten = false, OneHot = true, SearchPaths = DataTestFiles.Paths(nablaData: SharedData.Dir),
        });
        Assert.Equal(new[] { 10000, 1, 28, 28 }, d.XTest.Shape.ToArray());
        Assert.Equal(new[] { 10000, 10 }, d.TTest.Shape.ToArray());
        Assert.Equal(DataOrigin.Environment, d.Location.Origin);
        Assert.EndsWith("fashion-mnist", d.Location.Directory);
        Assert.Equal(9, d.LabelsTest[0]); // ankle boot
        Assert.Equal(10000, d.LabelsTest.Length);
    }
}
