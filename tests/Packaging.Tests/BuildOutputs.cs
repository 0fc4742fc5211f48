using System.Reflection;

namespace StormSharp.Packaging.Tests;

/// <summary>The build output of the projects the tests pack, as recorded by the test project's build.</summary>
internal static class BuildOutputs
{
    public static string WordCountAssembly { get; } = Recorded("WordCountTargetPath");

    public static string TestAssetsAssembly { get; } = Recorded("TestAssetsTargetPath");

    private static string Recorded(string key)
    {
        var path = typeof(BuildOutputs).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value;
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
        {
            throw new InvalidOperationException($"the build recorded {key} as '{path}', which does not exist; rebuild the test project");
        }

        return path;
    }
}
