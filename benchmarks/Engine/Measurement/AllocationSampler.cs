using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;

namespace StormSharp.Benchmarks.Engine.Measurement;

/// <summary>
/// A sampling allocation profiler inside the process: the runtime reports an allocation tick about every 100 KB
/// allocated, naming the type of the object that crossed the mark, so the ticks per type estimate where allocated
/// bytes go. Cheap enough to leave on; only windows between <see cref="Start"/> and <see cref="Stop"/> count.
/// </summary>
public sealed class AllocationSampler : EventListener
{
    private const int AllocationTickEventId = 10;
    private const EventKeywords GcKeyword = (EventKeywords)0x1;

    private readonly ConcurrentDictionary<string, long> _bytes = new(StringComparer.Ordinal);
    private volatile bool _recording;

    public static AllocationSampler Instance { get; } = new();

    public void Start()
    {
        _bytes.Clear();
        _recording = true;
    }

    /// <summary>Stops and returns the types that took the most, with their share, as "Type 40%, ...".</summary>
    public string Stop(int top = 6)
    {
        _recording = false;
        var total = _bytes.Values.Sum();
        if (total == 0)
        {
            return string.Empty;
        }

        return string.Join(", ", _bytes
            .OrderByDescending(kv => kv.Value)
            .Take(top)
            .Select(kv => $"`{Short(kv.Key)}` {(100.0 * kv.Value / total).ToString("0", CultureInfo.InvariantCulture)}%"));
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (!_recording || eventData.EventId != AllocationTickEventId || eventData.Payload is null || eventData.PayloadNames is null)
        {
            return;
        }

        var typeIndex = eventData.PayloadNames.IndexOf("TypeName");
        var amountIndex = eventData.PayloadNames.IndexOf("AllocationAmount64");
        if (amountIndex < 0)
        {
            amountIndex = eventData.PayloadNames.IndexOf("AllocationAmount");
        }

        if (typeIndex < 0 || amountIndex < 0)
        {
            return;
        }

        var type = eventData.Payload[typeIndex] as string ?? "?";
        var amount = Convert.ToInt64(eventData.Payload[amountIndex], CultureInfo.InvariantCulture);
        _bytes.AddOrUpdate(type, amount, (_, v) => v + amount);
    }

    private static string Short(string typeName)
    {
        // Drop namespaces (keep generic arguments readable).
        var sb = new System.Text.StringBuilder(typeName.Length);
        var start = 0;
        for (var i = 0; i <= typeName.Length; i++)
        {
            if (i == typeName.Length || typeName[i] is '[' or ']' or ',' or '<' or '>' or '`')
            {
                var part = typeName[start..i];
                var dot = part.LastIndexOf('.');
                sb.Append(dot >= 0 ? part[(dot + 1)..] : part);
                if (i < typeName.Length)
                {
                    sb.Append(typeName[i]);
                }

                start = i + 1;
            }
        }

        return sb.ToString();
    }
}
