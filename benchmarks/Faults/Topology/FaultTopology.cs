using System.Globalization;
using StormSharp.Topology;

namespace StormSharp.Benchmarks.Faults.Topology;

/// <summary>
/// The fault matrix's topology, submitted with <c>storm jar ... StormSharp.Benchmarks.Faults.Topology.FaultTopology
/// NAME DIR RECORDS RATE WORKERS</c>: one <see cref="NumberedSpout"/> task, shuffled to two relays, fields-grouped
/// by number to two <see cref="FileSinkBolt"/>s, acking on, so that with several workers every hop crosses processes.
/// One spout task, so that a fault that stops it stops the whole stream and the recovery time shows how long that lasts.
/// </summary>
public static class FaultTopology
{
    public static void Main(string[] args)
    {
        if (args.Length != 5)
        {
            throw new ArgumentException("usage: FaultTopology NAME DIR RECORDS RATE WORKERS");
        }

        var builder = new TopologyBuilder();
        builder.SetSpout("numbers", new NumberedSpout());
        builder.SetBolt("relay", new RelayBolt(), 2).ShuffleGrouping("numbers");
        builder.SetBolt("sink", new FileSinkBolt(), 2).FieldsGrouping("relay", new Fields("number"));
        var config = new Config
        {
            [FaultSettings.Dir] = args[1],
            [FaultSettings.RecordCount] = long.Parse(args[2], CultureInfo.InvariantCulture),
            [FaultSettings.RecordRate] = double.Parse(args[3], CultureInfo.InvariantCulture),
            [Config.TopologyWorkers] = int.Parse(args[4], CultureInfo.InvariantCulture),
            [Config.TopologyMessageTimeoutSecs] = 10,
            [Config.TopologyMaxSpoutPending] = 2000,
        };
        StormSubmitter.SubmitTopology(args[0], config, builder.CreateTopology());
    }
}
