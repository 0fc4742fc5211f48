namespace StormSharp.Runtime.Stats;

/// <summary>The windows stats are kept over, as in Storm's UI: seconds, with 0 for all time.</summary>
public static class StatsWindows
{
    /// <summary>The last 10 minutes.</summary>
    public const int TenMinutes = 600;

    /// <summary>The last 3 hours.</summary>
    public const int ThreeHours = 10800;

    /// <summary>The last day.</summary>
    public const int OneDay = 86400;

    /// <summary>Since the topology started.</summary>
    public const int AllTime = 0;

    /// <summary>Every window, in display order.</summary>
    public static IReadOnlyList<int> All { get; } = [TenMinutes, ThreeHours, OneDay, AllTime];

    /// <summary>Storm's name for a window: "600", "10800", "86400", ":all-time".</summary>
    public static string Name(int window) => window == AllTime ? ":all-time" : window.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
