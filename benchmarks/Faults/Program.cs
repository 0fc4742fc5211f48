namespace StormSharp.Benchmarks.Faults;

internal static class Program
{
    public static async Task<int> Main(string[] args) => await FaultMatrix.MainAsync(args).ConfigureAwait(false);
}
