namespace StormSharp.Packaging.TestAssets;

/// <summary>
/// Files this assembly's code writes beside itself when it runs, so a test can tell whether anything of it ran.
/// </summary>
public static class Markers
{
    /// <summary>Written by <see cref="SideEffectSpout"/>'s static constructor.</summary>
    public const string StaticConstructor = "static-constructor.marker";

    /// <summary>Written by the module initializer.</summary>
    public const string ModuleInitializer = "module-initializer.marker";

    internal static void Write(string name)
    {
        var dir = Path.GetDirectoryName(typeof(Markers).Assembly.Location)!;
        File.WriteAllText(Path.Combine(dir, name), "ran");
    }
}
