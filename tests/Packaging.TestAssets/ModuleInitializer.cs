using System.Runtime.CompilerServices;

namespace StormSharp.Packaging.TestAssets;

internal static class ModuleInitializer
{
    // CA2255 warns libraries off module initializers; running code on load is exactly what this asset exists to show.
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Run() => Markers.Write(Markers.ModuleInitializer);
}
