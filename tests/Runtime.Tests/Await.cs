using System.Diagnostics;

namespace StormSharp.Runtime.Tests;

/// <summary>Bounded waits that fail with a message saying what was awaited.</summary>
internal static class Await
{
    public static void Until(Func<bool> condition, TimeSpan timeout, Func<string> what)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.Elapsed > timeout)
            {
                Assert.Fail($"timed out after {timeout.TotalSeconds:0.#} s waiting for: {what()}");
            }

            Thread.Sleep(10);
        }
    }

    public static void Until(Func<bool> condition, TimeSpan timeout, string what) => Until(condition, timeout, () => what);
}
