using StormSharp.Benchmarks.Fuzz;

FuzzOptions options;
try
{
    options = FuzzOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

return FuzzSuite.Run(options, RepositoryRoot());

static string RepositoryRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "benchmarks", "run")) && File.Exists(Path.Combine(dir.FullName, "bin", "storm")))
        {
            return dir.FullName;
        }
    }

    throw new InvalidOperationException("cannot find the repository (benchmarks/run and bin/storm) above " + AppContext.BaseDirectory);
}
