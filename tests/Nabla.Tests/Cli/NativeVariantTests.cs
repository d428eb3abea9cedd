using System.Runtime.Intrinsics.X86;
using Nabla.Cli;

namespace Nabla.Tests.Cli;

/// <summary>
/// The x86-64-v3 tool's choice to hand over to its x86-64-v4 build: only when the kernel lists every AVX-512 extension
/// the build needs. (The hand-over itself runs in the Native AOT package; scripts/pack-check.sh checks which build ran.)
/// </summary>
public class NativeVariantTests
{
    private const string Zen5Flags = "fpu vme de pse tsc msr pae mce cx8 apic sep avx2 bmi2 erms avx512f avx512dq adx avx512ifma clflushopt avx512cd sha_ni avx512bw avx512vl xsaveopt";

    private static string CpuInfo(string flags) =>
        $"processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC\nflags\t\t: {flags}\nbugs\t\t: sysret_ss_attrs\n\nprocessor\t: 1\nflags\t\t: {flags}\n";

    [Fact]
    public void AllFiveExtensionsListed_Accepted() => Assert.True(NativeVariant.KernelEnablesV4(CpuInfo(Zen5Flags)));

    [Theory]
    [InlineData("avx512f")]
    [InlineData("avx512dq")]
    [InlineData("avx512cd")]
    [InlineData("avx512bw")]
    [InlineData("avx512vl")]
    public void AnyExtensionMissing_Refused(string missing)
    {
        string flags = string.Join(' ', Zen5Flags.Split(' ').Where(f => f != missing));
        Assert.False(NativeVariant.KernelEnablesV4(CpuInfo(flags)));
    }

    [Fact]
    public void OnlyThePrefixOfAName_Refused()
    {
        // "avx512vl" must be a whole flag: "avx512vlx" or "avx512_vl" is not it.
        Assert.False(NativeVariant.KernelEnablesV4(CpuInfo(Zen5Flags.Replace("avx512vl", "avx512vlx"))));
        Assert.False(NativeVariant.KernelEnablesV4(CpuInfo(Zen5Flags.Replace("avx512vl", "avx512_vl"))));
    }

    [Theory]
    [InlineData("")]
    [InlineData("processor\t: 0\nvendor_id\t: AuthenticAMD\n")]
    [InlineData("flags without a colon avx512f avx512dq avx512cd avx512bw avx512vl\n")]
    public void UnreadableOrForeignCpuInfo_Refused(string text) => Assert.False(NativeVariant.KernelEnablesV4(text));

    [Fact]
    public void OnlyTheFirstProcessorCounts()
    {
        // The first entry decides: a later processor's line does not add what the first one lacks.
        string text = $"processor\t: 0\nflags\t\t: fpu avx2\n\nprocessor\t: 1\nflags\t\t: {Zen5Flags}\n";
        Assert.False(NativeVariant.KernelEnablesV4(text));
    }

    [Fact]
    public void CpuIdAgreesWithTheRuntime()
    {
        // Under the JIT the runtime reports what the CPU and the OS allow; CPUID alone cannot be narrower than that.
        if (Avx512F.IsSupported && Avx512BW.IsSupported && Avx512CD.IsSupported && Avx512DQ.IsSupported && Avx512F.VL.IsSupported)
            Assert.True(NativeVariant.CpuHasV4());
        if (!X86Base.IsSupported) Assert.False(NativeVariant.CpuHasV4());
    }

    [Fact]
    public void Describe_NamesTheJitAndTheVectorWidth()
    {
        // The timings line names the build that ran; the tests run under the JIT, with 512-bit kernels where the CPU has them.
        string d = NativeVariant.Describe();
        Assert.StartsWith("JIT, ", d);
        Assert.EndsWith(System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? "512-bit kernels" : "256-bit kernels", d);
    }
}
