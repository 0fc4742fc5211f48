namespace StormSharp.Templates.Tests;

/// <summary>The checkout the tests were built from: the folder above them that holds StormSharp.sln.</summary>
internal static class RepoRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "StormSharp.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no StormSharp.sln above {AppContext.BaseDirectory}");
    }
}
