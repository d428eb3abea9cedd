using System.Text;
using Nabla.Data;
using Nabla.IO;

namespace Nabla.Tests.IO;

public class PickleTests
{
    [SharedDataFact]
    public void ReadsTheBooksSampleWeightsHonouringFortranOrder()
    {
        var w = Pickle.LoadArrays(SharedData.Path("book-weights", "sample_weight.pkl"));
        Assert.Equal(["W1", "W2", "W3", "b1", "b2", "b3"], w.Keys.Order());
        Assert.Equal([784, 50], w["W1"].Shape);
        Assert.Equal([50, 100], w["W2"].Shape);
        Assert.Equal([100, 10], w["W3"].Shape);
        Assert.Equal([50], w["b1"].Shape);
        Assert.True(w["W1"].FortranOrder);
        var w1 = w["W1"].ToTensor<float>();
        // Values read with NumPy (pickle.load): W1[0,0], W1[783,49], W1[1,0] vs W1[0,1], W1[100,7].
        Assert.Equal(-0.007412489037960768f, w1[0, 0]);
        Assert.Equal(-0.040211476385593414f, w1[783, 49]);
        Assert.Equal(-0.010297450236976147f, w1[1, 0]);
        Assert.Equal(-0.007904390804469585f, w1[0, 1]);
        Assert.Equal(0.009485968388617039f, w1[100, 7]);
        Assert.Equal(-0.060239847749471664f, w["b3"].ToTensor<float>()[0]);
        Assert.Equal(0.053233496844768524f, w["b3"].ToTensor<float>()[9]);
    }

    [SharedDataFact]
    public void ReadsTheConvNetPickles()
    {
        var s = Pickle.LoadArrays(SharedData.Path("book-weights", "simple_convnet_params.pkl"));
        Assert.Equal([30, 1, 5, 5], s["W1"].Shape);
        Assert.Equal([4320, 100], s["W2"].Shape);
        Assert.Equal("<f8", s["W1"].Descr);
        Assert.Equal(0.0009115890844406251, s["W1"].ToTensor<double>().Span[5]);
        var d = Pickle.LoadArrays(SharedData.Path("book-weights", "deep_convnet_params.pkl"));
        Assert.Equal(16, d.Count);
        Assert.Equal([64, 32, 3, 3], d["W5"].Shape);
        Assert.Equal([1024, 50], d["W7"].Shape);
        Assert.Equal(0.1178980251183223, d["W1"].ToTensor<double>().Span[5]);
    }

    private static byte[] P(params object[] parts)
    {
        var ms = new MemoryStream();
        foreach (var p in parts)
            switch (p)
            {
                case string s: ms.Write(Encoding.ASCII.GetBytes(s)); break;
                case byte b: ms.WriteByte(b); break;
                case int i: ms.WriteByte((byte)i); break;
                case byte[] bytes: ms.Write(bytes); break;
            }
        return ms.ToArray();
    }

    public static TheoryData<string, byte[], string> Hostile => new()
    {
        { "os.system via GLOBAL and REDUCE", P(0x80, 2, "cos\nsystem\n", "(", 0x8c, 5, "echo!", "tR."), "os.system" },
        { "builtins.eval", P(0x80, 3, "cbuiltins\neval\n", "."), "builtins.eval" },
        { "subprocess via STACK_GLOBAL", P(0x80, 4, 0x8c, 10, "subprocess", 0x8c, 5, "Popen", 0x93, "."), "subprocess.Popen" },
        { "an unknown opcode", P(0x80, 3, "}", 0xff, "."), "opcode 0xff" },
        { "INST (code by name)", P(0x80, 2, "ios\nsystem\n", "."), "opcode 0x69" },
        { "PERSID", P(0x80, 2, "Pid\n."), "opcode 0x50" },
        { "a truncated stream", P(0x80, 3, "}", "X", 10, 0, 0, 0, "ab"), "runs past the end" },
        { "a truncated argument", P(0x80, 3, "}", "J", 1, 2), "ends inside" },
        { "a huge declared length", P(0x80, 3, "B", 0xff, 0xff, 0xff, 0x7f, "."), "runs past the end" },
        { "no STOP", P(0x80, 3, "}"), "STOP" },
        { "not a dict", P(0x80, 3, "K", 5, "."), "not a dict" },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void RefusesHostileOrBrokenPickles(string what, byte[] bytes, string expected)
    {
        var e = Assert.Throws<DataFormatException>(() => Pickle.LoadArrays(new MemoryStream(bytes), "evil.pkl"));
        Assert.Contains("evil.pkl", e.Message);
        Assert.True(e.Message.Contains(expected, StringComparison.Ordinal), $"{what}: {e.Message}");
    }
}
