using StormSharp.Runtime;
using StormSharp.Topology;

namespace MyTopology;

/// <summary>
/// The topology and how it starts. Run by <c>storm local</c> or <c>storm jar</c>, Main submits it to that cluster;
/// started on its own (<c>dotnet run</c>), it runs it in an in-process LocalCluster until Ctrl-C or
/// <c>--local-ttl SECONDS</c> (default 20).
/// </summary>
public static class Program
{
    /// <summary>The name the topology is submitted under.</summary>
    public const string Name = "my-topology";

    /// <summary>Words from the spout, counted per word by the bolt (a fields grouping sends each word to one task).</summary>
    public static StormTopology CreateTopology()
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("words", new WordSpout(), 1);
        builder.SetBolt("count", new WordCountBolt(), 2).FieldsGrouping("words", new Fields("word"));
        return builder.CreateTopology();
    }

    /// <summary>The topology's config: one worker, at most 1000 spout tuples in flight.</summary>
    public static Config CreateConfig() => new Config().SetNumWorkers(1).SetMaxSpoutPending(1000);

    public static int Main(string[] args)
    {
        if (StormSubmitter.HasCluster)
        {
            StormSubmitter.SubmitTopology(Name, CreateConfig(), CreateTopology());
            return 0;
        }

        var ttl = 20;
        if (args.Length > 0 && !(args is ["--local-ttl", var value] && int.TryParse(value, out ttl) && ttl > 0))
        {
            Console.Error.WriteLine("usage: dotnet run [-- --local-ttl SECONDS]");
            return 2;
        }

        return RunInProcess(TimeSpan.FromSeconds(ttl));
    }

    private static int RunInProcess(TimeSpan ttl)
    {
        using var stop = new CancellationTokenSource(ttl);
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };

        using var logging = StormLogging.CreateConsoleFactory();
        // As storm local does: encode every tuple on trial, so that a value a second worker could not receive fails
        // here rather than in a cluster.
        using var cluster = new LocalCluster(
            new Dictionary<string, object?> { [Config.TopologyTestingAlwaysTrySerialize] = true }, logging);
        cluster.SubmitTopology(Name, CreateConfig(), CreateTopology());
        Console.WriteLine($"running {Name} in-process for {ttl.TotalSeconds:0}s; Ctrl-C stops early");
        while (!stop.Token.WaitHandle.WaitOne(TimeSpan.FromSeconds(5)))
        {
            PrintCounts(cluster);
        }

        PrintCounts(cluster);
        cluster.KillTopology(Name);
        return 0;
    }

    private static void PrintCounts(LocalCluster cluster)
    {
        foreach (var component in cluster.GetTopologyInfo(Name).Components)
        {
            if (!Utils.IsReservedId(component.Id))
            {
                var total = component.Total();
                Console.WriteLine($"{component.Id,-8} emitted {total.Emitted}  acked {total.Acked}  failed {total.Failed}");
            }
        }
    }
}
