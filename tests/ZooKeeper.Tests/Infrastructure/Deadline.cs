namespace StormSharp.ZooKeeper.Tests.Infrastructure;

/// <summary>Every await in these tests has a deadline and says what it was waiting for.</summary>
public static class Deadline
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(15);

    public static async Task<T> Within<T>(this Task<T> task, string what, TimeSpan? timeout = null)
    {
        var t = timeout ?? Default;
        try
        {
            return await task.WaitAsync(t);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"timed out after {t.TotalSeconds:F1} s waiting for {what}");
        }
    }

    public static async Task Within(this Task task, string what, TimeSpan? timeout = null)
    {
        var t = timeout ?? Default;
        try
        {
            await task.WaitAsync(t);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"timed out after {t.TotalSeconds:F1} s waiting for {what}");
        }
    }

    public static Task<T> Within<T>(this ValueTask<T> task, string what, TimeSpan? timeout = null) => task.AsTask().Within(what, timeout);

    public static Task Within(this ValueTask task, string what, TimeSpan? timeout = null) => task.AsTask().Within(what, timeout);

    /// <summary>Polls <paramref name="condition"/> until it holds, for state that raises no signal (e.g. another process's view).</summary>
    public static async Task Until(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var t = timeout ?? Default;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (!await condition().WaitAsync(t))
        {
            if (sw.Elapsed > t)
            {
                throw new TimeoutException($"timed out after {t.TotalSeconds:F1} s waiting until {what}");
            }

            await Task.Delay(50);
        }
    }
}
