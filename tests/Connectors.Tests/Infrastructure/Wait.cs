using System.Diagnostics;

namespace StormSharp.Connectors.Tests.Infrastructure;

public static class Wait
{
    /// <summary>
    /// Checks <paramref name="condition"/> every 50 ms until it holds; for state that lives in a server (committed
    /// offsets, keys) and so gives no signal. Throws with <paramref name="what"/> and <paramref name="state"/> on timeout.
    /// </summary>
    public static async Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what, Func<string>? state = null)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.Elapsed > timeout)
            {
                throw new TimeoutException($"waited {timeout.TotalSeconds:F0} s for {what}; {state?.Invoke()}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Awaits <paramref name="task"/> for at most <paramref name="timeout"/>, naming what was awaited when it does not finish.</summary>
    public static async Task<T> ForAsync<T>(Task<T> task, TimeSpan timeout, string what, Func<string>? state = null)
    {
        try
        {
            return await task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"waited {timeout.TotalSeconds:F0} s for {what}; {state?.Invoke()}");
        }
    }
}
