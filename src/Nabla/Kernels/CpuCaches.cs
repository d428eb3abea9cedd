using System.Runtime.Intrinsics.X86;

namespace Nabla.Kernels;

/// <summary>
/// The level-1 data cache of the core the process runs on, as CPUID reports it (0 where it does not: another
/// architecture, or a hypervisor that hides it). Read once; kernels that block their work for L1 size their blocks by it.
/// </summary>
internal static class CpuCaches
{
    /// <summary>Bytes of L1 data cache per core; 0 when unknown.</summary>
    public static int L1DataBytes { get; } = ReadL1Data();

    private static int ReadL1Data()
    {
        if (!X86Base.IsSupported) return 0;
        // Intel and recent AMD: the deterministic cache parameters of leaf 4 (type 1 = data, level 1).
        if ((uint)X86Base.CpuId(0, 0).Eax >= 4)
            for (int sub = 0; sub < 8; sub++)
            {
                var (a, b, c, _) = X86Base.CpuId(4, sub);
                int type = a & 31;
                if (type == 0) break;
                if (type == 1 && ((a >> 5) & 7) == 1)
                    return (((b >> 22) & 0x3FF) + 1) * (((b >> 12) & 0x3FF) + 1) * ((b & 0xFFF) + 1) * (c + 1);
            }
        // AMD: leaf 0x80000005's ECX holds the L1 data cache's size in KB in its top byte (KVM passes this one through
        // where it hides leaf 4 and 0x8000001D, as on the Zen 5 machines here).
        if ((uint)X86Base.CpuId(unchecked((int)0x80000000), 0).Eax >= 0x80000005)
            return (int)((uint)X86Base.CpuId(unchecked((int)0x80000005), 0).Ecx >> 24) * 1024;
        return 0;
    }
}
