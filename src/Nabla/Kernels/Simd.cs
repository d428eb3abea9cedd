using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nabla.Kernels;

/// <summary>Vector helpers shared by the kernels: fused multiply-add on generic vectors, short row copies.</summary>
internal static unsafe class Simd
{
    /// <summary>
    /// Copies n elements without a memmove call (the short rows of a layer: 1,700 calls a training step were
    /// memmove before): full vectors, then one vector ending at n that overlaps the previous one. Never writes
    /// dst past n, so the padding of a padded row keeps its zeros.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CopyRow<T>(T* src, T* dst, int n) where T : unmanaged
    {
        int j = 0;
        if (Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported && n >= Vector512<T>.Count)
        {
            int l = Vector512<T>.Count;
            for (; j <= n - l; j += l) Vector512.Load(src + j).Store(dst + j);
            if (j < n) Vector512.Load(src + n - l).Store(dst + n - l);
            return;
        }
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported && n >= Vector256<T>.Count)
        {
            int l = Vector256<T>.Count;
            for (; j <= n - l; j += l) Vector256.Load(src + j).Store(dst + j);
            if (j < n) Vector256.Load(src + n - l).Store(dst + n - l);
            return;
        }
        new ReadOnlySpan<T>(src, n).CopyTo(new Span<T>(dst, n));
    }

    /// <summary>Fused multiply-add x·y + z: one FMA instruction for float and double.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Fma<T>(Vector512<T> x, Vector512<T> y, Vector512<T> z) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) return Vector512.FusedMultiplyAdd(x.AsSingle(), y.AsSingle(), z.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector512.FusedMultiplyAdd(x.AsDouble(), y.AsDouble(), z.AsDouble()).As<double, T>();
        return x * y + z;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Fma<T>(Vector256<T> x, Vector256<T> y, Vector256<T> z) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) return Vector256.FusedMultiplyAdd(x.AsSingle(), y.AsSingle(), z.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector256.FusedMultiplyAdd(x.AsDouble(), y.AsDouble(), z.AsDouble()).As<double, T>();
        return x * y + z;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Fma<T>(Vector<T> x, Vector<T> y, Vector<T> z) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) return Vector.FusedMultiplyAdd(x.As<T, float>(), y.As<T, float>(), z.As<T, float>()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector.FusedMultiplyAdd(x.As<T, double>(), y.As<T, double>(), z.As<T, double>()).As<double, T>();
        return x * y + z;
    }

    /// <summary>
    /// Asks for the cache lines of [p, p + bytes) ahead of their use (into L2 and up), a row read soon from far
    /// out in memory; the last line is asked for too when the range does not start on a line boundary.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PrefetchLines(byte* p, int bytes)
    {
        for (int b = 0; b < bytes; b += 64) Sse.Prefetch1(p + b);
        if (bytes > 0) Sse.Prefetch1(p + bytes - 1);
    }

    /// <summary>dst[0..n) = <paramref name="offset"/> + src[0..n) widened to int, eight at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WidenAdd(ushort* src, int offset, int* dst, int n)
    {
        int j = 0;
        if (System.Runtime.Intrinsics.X86.Avx2.IsSupported)
        {
            var o = System.Runtime.Intrinsics.Vector256.Create(offset);
            for (; j <= n - 8; j += 8) (System.Runtime.Intrinsics.X86.Avx2.ConvertToVector256Int32(src + j) + o).Store(dst + j);
        }
        for (; j < n; j++) dst[j] = offset + src[j];
    }

    /// <summary>dst[0..n) = src[0..n) widened to int, eight at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Widen(ushort* src, int* dst, int n) => WidenAdd(src, 0, dst, n);
}
