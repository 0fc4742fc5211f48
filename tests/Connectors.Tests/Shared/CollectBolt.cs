using System.Collections.Concurrent;
using StormSharp.Topology;

namespace StormSharp.Connectors.Tests.Shared;

/// <summary>Keeps every tuple it gets (by run) and acks it.</summary>
public sealed class CollectBolt(string run) : BaseBasicBolt
{
    public static readonly ConcurrentDictionary<string, ConcurrentQueue<IReadOnlyList<object?>>> Runs = new();

    private readonly string _run = run;

    public override void Execute(ITuple input, IBasicOutputCollector collector) =>
        Runs.GetOrAdd(_run, _ => new()).Enqueue([.. input.Values]);

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
    {
    }
}
