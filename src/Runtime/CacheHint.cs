using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace StormSharp.Runtime;

/// <summary>
/// Asks the CPU to bring memory toward the cache ahead of a load that would miss: data another core wrote (a tuple),
/// or a random slot of a table larger than the cache (an ack id). A hint, never a fault: an address gone stale (the
/// GC moved the object) only wastes the request. Does nothing where the instruction is not available.
/// </summary>
internal static class CacheHint
{
    /// <summary>Whether hints do anything here: callers skip the loads that only serve to compute an address.</summary>
    public static bool Supported => Sse.IsSupported;

    /// <summary>The first <paramref name="lines"/> cache lines (1 or 2) of <paramref name="o"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Prefetch(object? o, int lines = 1)
    {
        if (!Sse.IsSupported || o is null)
        {
            return;
        }

        var address = (byte*)Unsafe.As<object, nint>(ref o);
        Sse.Prefetch0(address);
        if (lines > 1)
        {
            Sse.Prefetch0(address + 64);
        }
    }

    /// <summary>The cache line holding <paramref name="location"/> (an array element, say).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Prefetch<T>(ref T location)
    {
        if (Sse.IsSupported)
        {
            Sse.Prefetch0(Unsafe.AsPointer(ref location));
        }
    }
}
