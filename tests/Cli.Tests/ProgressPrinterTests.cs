using StormSharp.Cli.Local;
using StormSharp.Runtime.Stats;

namespace StormSharp.Cli.Tests;

public sealed class ProgressPrinterTests
{
    [Fact]
    public void Format_UserComponents_OneLineEachWithAllTimeTotalsOverStreams()
    {
        var info = Topology(
            Component("sentences", true, Stream("default", emitted: 100, acked: 90, failed: 2), Stream("other", emitted: 5, acked: 0, failed: 1)),
            Component("split", false, Stream("sentences:default", emitted: 600, acked: 92, failed: 0)));

        var lines = ProgressPrinter.Format(info, TimeSpan.FromSeconds(9.6)).ToList();

        Assert.Equal(
            [
                "[ 10s] word-count sentences  emitted 105  acked 90  failed 3",
                "[ 10s] word-count split      emitted 600  acked 92  failed 0",
            ],
            lines);
    }

    [Fact]
    public void Format_TickTuples_AreKeptOutOfTheBoltsCountsAndShownApart()
    {
        var info = Topology(
            Component("count", false, Stream("split:default", emitted: 0, acked: 686, failed: 0)),
            Component("report", false, Stream("count:default", emitted: 0, acked: 686, failed: 0), Stream("__system:__tick", emitted: 0, acked: 3, failed: 0)));

        var lines = ProgressPrinter.Format(info, TimeSpan.FromSeconds(5)).ToList();

        Assert.Equal("[  5s] word-count count   emitted 0  acked 686  failed 0", lines[0]);
        Assert.Equal("[  5s] word-count report  emitted 0  acked 686  failed 0  (system streams: acked 3  failed 0)", lines[1]);
    }

    [Fact]
    public void Format_EngineComponents_AreLeftOut()
    {
        var info = Topology(
            Component("spout", true, Stream("default", emitted: 1, acked: 1, failed: 0)),
            Component("__acker", false, Stream("spout:__ack_init", emitted: 0, acked: 1, failed: 0)));

        var lines = ProgressPrinter.Format(info, TimeSpan.FromSeconds(5)).ToList();

        Assert.Single(lines);
        Assert.DoesNotContain("__acker", lines[0], StringComparison.Ordinal);
    }

    private static TopologyInfo Topology(params ComponentInfo[] components) =>
        new("word-count-1-1", "word-count", "ACTIVE", TimeSpan.FromSeconds(10), 1, components.Length, components.Length, components);

    private static ComponentInfo Component(string id, bool isSpout, params StreamStats[] streams) =>
        new(id, isSpout, 1, 1, new Dictionary<int, IReadOnlyList<StreamStats>> { [StatsWindows.AllTime] = streams }, 0, []);

    private static StreamStats Stream(string id, long emitted, long acked, long failed) =>
        new(id, emitted, emitted, acked, failed, 0, 0, 0, 0);
}
