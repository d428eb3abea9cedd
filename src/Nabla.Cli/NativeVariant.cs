using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Text;

namespace Nabla.Cli;

/// <summary>
/// The Linux x64 tool package carries two Native AOT builds of the tool side by side: <c>Nabla.Cli</c>, compiled for
/// x86-64-v3 (AVX2 and FMA: every CPU the kernels are written for), and <c>Nabla.Cli.avx512</c>, compiled for x86-64-v4
/// (AVX-512). Native AOT fixes the instruction sets when it compiles, so the x86-64-v3 build has every 512-bit kernel
/// compiled out. On a CPU whose Linux kernel enables AVX-512, the x86-64-v3 build therefore replaces itself with the
/// x86-64-v4 one (<c>execv</c>, same process, same arguments and environment) before it does anything else.
/// </summary>
/// <remarks>
/// Nothing is replaced when the build running can use AVX-512 already (the x86-64-v4 build, or the JIT on such a CPU),
/// under the JIT at all (the JIT compiles for the CPU it runs on), when <see cref="Variable"/> is <c>base</c>, when the
/// other build is not beside this one, or when the CPU or the kernel lacks any of the x86-64-v4 extensions. If the
/// replacement fails, this process simply goes on.
/// </remarks>
internal static partial class NativeVariant
{
    /// <summary>The x86-64-v4 build's file name is the tool's with this appended.</summary>
    public const string Suffix = ".avx512";

    /// <summary>
    /// <c>base</c> keeps the x86-64-v3 build (to compare the two, or to rule the other out); the replacement sets it to
    /// <c>avx512</c> for the process it starts, which never replaces itself again.
    /// </summary>
    public const string Variable = "NABLA_NATIVE_VARIANT";

    /// <summary>The x86-64-v4 extensions as <c>/proc/cpuinfo</c> names them.</summary>
    private static readonly string[] V4Flags = ["avx512f", "avx512dq", "avx512cd", "avx512bw", "avx512vl"];

    /// <summary>Which build this process is, for the timings line: its instruction sets and vector width.</summary>
    public static string Describe() =>
        (RuntimeFeature.IsDynamicCodeSupported ? "JIT" : Avx512F.IsSupported ? "Native AOT x86-64-v4" : "Native AOT x86-64-v3") +
        (Vector512.IsHardwareAccelerated ? ", 512-bit kernels" : ", 256-bit kernels");

    /// <summary>Replaces this process with the x86-64-v4 build when that is worth it (see the class); otherwise returns.</summary>
    public static void ReplaceWithWiderBuild(string[] args)
    {
        if (RuntimeFeature.IsDynamicCodeSupported || Avx512F.IsSupported || !OperatingSystem.IsLinux() || !X86Base.X64.IsSupported) return;
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 }) return;
        string? self = Environment.ProcessPath;
        if (self is null) return;
        string wider = self + Suffix;
        if (!File.Exists(wider) || !CpuHasV4() || !KernelEnablesV4(ReadCpuInfoStart())) return;
        try
        {
            // A package's files are extracted without their execute bits; the installer sets only the command's.
            var mode = File.GetUnixFileMode(wider);
            const UnixFileMode exec = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
            if ((mode & UnixFileMode.UserExecute) == 0) File.SetUnixFileMode(wider, mode | exec);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return; }
        Exec(wider, args);
    }

    /// <summary>Whether CPUID reports all of x86-64-v4's AVX-512 extensions (F, DQ, CD, BW, VL).</summary>
    internal static bool CpuHasV4()
    {
        if (!X86Base.IsSupported || X86Base.CpuId(0, 0).Eax < 7) return false;
        int ebx = X86Base.CpuId(7, 0).Ebx;
        const int f = 1 << 16, dq = 1 << 17, cd = 1 << 28, bw = 1 << 30, vl = 1 << 31;
        return (ebx & (f | dq | cd | bw | vl)) == (f | dq | cd | bw | vl);
    }

    /// <summary>
    /// Whether the first processor's <c>flags</c> line of <c>/proc/cpuinfo</c> names every x86-64-v4 extension. The kernel
    /// lists only what it has enabled (saving the 512-bit registers on a context switch): CPUID alone can report
    /// extensions that the operating system has turned off.
    /// </summary>
    internal static bool KernelEnablesV4(string cpuInfo)
    {
        foreach (var line in cpuInfo.Split('\n'))
        {
            if (!line.StartsWith("flags", StringComparison.Ordinal)) continue;
            int colon = line.IndexOf(':');
            if (colon < 0) return false;
            var flags = new HashSet<string>(line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal);
            return V4Flags.All(flags.Contains);
        }
        return false;
    }

    /// <summary>The start of <c>/proc/cpuinfo</c>, enough for the first processor's entry; empty when it cannot be read.</summary>
    private static string ReadCpuInfoStart()
    {
        try
        {
            using var f = File.OpenRead("/proc/cpuinfo");
            var buffer = new byte[16 * 1024];
            int total = 0, n;
            while (total < buffer.Length && (n = f.Read(buffer, total, buffer.Length - total)) > 0) total += n;
            return Encoding.ASCII.GetString(buffer, 0, total);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return ""; }
    }

    private static unsafe void Exec(string path, string[] args)
    {
        // Everything handed to execv lives in unmanaged memory; on success nothing of this process is left to free it.
        var strings = new List<nint>();
        nint Utf8(string s) { nint p = Marshal.StringToCoTaskMemUTF8(s); strings.Add(p); return p; }
        var argv = (nint*)NativeMemory.Alloc((nuint)(args.Length + 2), (nuint)sizeof(nint));
        try
        {
            argv[0] = Utf8(path);
            for (int i = 0; i < args.Length; i++) argv[i + 1] = Utf8(args[i]);
            argv[args.Length + 1] = 0;
            if (SetEnv((byte*)Utf8(Variable), (byte*)Utf8("avx512"), 1) != 0) return;
            Execv((byte*)argv[0], (byte**)argv);
            // Still here: execv failed. Go on as the x86-64-v3 build, which needs nothing the failed call changed.
        }
        finally
        {
            foreach (var p in strings) Marshal.FreeCoTaskMem(p);
            NativeMemory.Free(argv);
        }
    }

    // Bound at link time in the Native AOT build (DirectPInvoke in Nabla.Cli.csproj); never called under the JIT.
    [LibraryImport("libc", EntryPoint = "execv")]
    private static unsafe partial int Execv(byte* path, byte** argv);

    [LibraryImport("libc", EntryPoint = "setenv")]
    private static unsafe partial int SetEnv(byte* name, byte* value, int overwrite);
}
