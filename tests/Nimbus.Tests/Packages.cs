using System.Reflection;
using StormSharp.Packaging;

namespace StormSharp.Nimbus.Tests;

/// <summary>Packages as <c>storm jar</c> makes them: WordCount's build output folder, packed once per test run.</summary>
internal static class Packages
{
    private static readonly Lazy<(byte[] Bytes, PackResult Result)> WordCountPackage = new(() => Pack(Path.GetDirectoryName(WordCountAssembly)!, Path.GetFileName(WordCountAssembly)!));

    public static string WordCountAssembly { get; } = typeof(Packages).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "WordCountTargetPath").Value!;

    public static (byte[] Bytes, PackResult Result) WordCount => WordCountPackage.Value;

    public static (byte[] Bytes, PackResult Result) Pack(string folder, string entry)
    {
        using var buffer = new MemoryStream();
        var result = TopologyPackage.Pack(folder, entry, buffer);
        return (buffer.ToArray(), result);
    }

    /// <summary>A package whose "assembly" is a text file: packs fine, is no assembly.</summary>
    public static (byte[] Bytes, PackResult Result) NotAnAssembly()
    {
        var dir = Directory.CreateTempSubdirectory("nimbus-not-an-assembly-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "StormSharp.Examples.WordCount.dll"), "this is not a .NET assembly");
            return Pack(dir, "StormSharp.Examples.WordCount.dll");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
