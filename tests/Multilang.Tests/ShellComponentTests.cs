using System.Diagnostics;
using System.Text.RegularExpressions;
using StormSharp.Runtime;
using StormSharp.Runtime.Stats;
using StormSharp.Topology;

namespace StormSharp.Multilang.Tests;

/// <summary>
/// Word count with a Python spout and a Python split bolt (on the tests' own multilang library) in local mode, and
/// the faults a subprocess can have: every one is reported, its tuples replayed, the subprocess restarted.
/// </summary>
public sealed partial class ShellComponentTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);
    private readonly string _markers = Directory.CreateTempSubdirectory("multilang-test-").FullName;
    private readonly string _key = Guid.NewGuid().ToString("N");

    public ShellComponentTests() => Python.Require();

    public void Dispose()
    {
        CountingBolt.Counts.TryRemove(_key, out _);
        Directory.Delete(_markers, recursive: true);
    }

    [Fact]
    public void WordCount_PythonSpoutAndBolt_EverySentenceAckedAndCountsExact()
    {
        const int sentences = 2000;
        using var cluster = new LocalCluster();
        cluster.SubmitTopology("py-wc", Conf(sentences), Topology("splitsentence.py"));
        var info = AwaitAcked(cluster, "py-wc", sentences);

        Assert.Equal(0, info.Component("sentences").Total().Failed);
        Assert.Empty(info.Component("split").Errors);
        Assert.Empty(info.Component("sentences").Errors);
        Assert.Equal(Corpus.WordCounts(sentences).OrderBy(kv => kv.Key), Counts().OrderBy(kv => kv.Key));
    }

    [Fact]
    public void CrashingBolt_OneInputInAThousand_ErrorsReportedTuplesReplayedTopologyGoesOn()
    {
        const int sentences = 3000;
        var conf = Conf(sentences);
        conf["multilang.test.crash.every"] = 1000;
        using var cluster = new LocalCluster();
        cluster.SubmitTopology("py-crash", conf, Topology("splitsentence.py"));
        var info = AwaitAcked(cluster, "py-crash", sentences);

        var errors = info.Component("split").Errors;
        Assert.Equal(3, errors.Count(e => e.Message.Contains("closed its output", StringComparison.Ordinal) && e.Message.Contains("exit code 3", StringComparison.Ordinal)));
        Assert.True(info.Component("sentences").Total().Failed >= 3, "the inputs the crashed subprocesses held were not failed back to the spout");
        AssertCountsAtLeast(sentences);
    }

    [Fact]
    public void HangingBolt_PastTheHeartbeatTimeout_KilledAndRestarted()
    {
        const int sentences = 300;
        var conf = Conf(sentences);
        conf["topology.subprocess.timeout.secs"] = 2;
        conf["multilang.test.hang.seq"] = 100;
        using var cluster = new LocalCluster();
        cluster.SubmitTopology("py-hang", conf, Topology("splitsentence.py", splitTasks: 1));
        var info = AwaitAcked(cluster, "py-hang", sentences);

        var hang = Assert.Single(info.Component("split").Errors);
        Assert.Contains("sent nothing for 2 s (topology.subprocess.timeout.secs): it hangs", hang.Message, StringComparison.Ordinal);
        var pid = int.Parse(PidOf().Match(hang.Message).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.False(IsRunning(pid), $"the hung subprocess {pid} still runs");
        AssertCountsAtLeast(sentences);
    }

    [Theory]
    [InlineData("splitsentence.py", "multilang.test.garbage.seq", "the subprocess wrote something that is not JSON")]
    [InlineData("unknowncommand.py", null, "sent an unknown command 'explode'")]
    public void MisbehavingBolt_ProtocolBroken_ReportedAndRestarted(string script, string? key, string expected)
    {
        const int sentences = 200;
        var conf = Conf(sentences);
        if (key is not null)
        {
            conf[key] = 50;
        }

        using var cluster = new LocalCluster();
        cluster.SubmitTopology("py-bad", conf, Topology(script, splitTasks: 1));
        var info = AwaitAcked(cluster, "py-bad", sentences);

        var error = Assert.Single(info.Component("split").Errors);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        AssertCountsAtLeast(sentences);
    }

    [Fact]
    public void ProtocolBolt_TaskIdsErrorLogAndMetrics_TaskIdsAnsweredErrorReported()
    {
        const int sentences = 100;
        using var cluster = new LocalCluster();
        cluster.SubmitTopology("py-protocol", Conf(sentences), Topology("protocolbolt.py", splitTasks: 1));
        var info = AwaitAcked(cluster, "py-protocol", sentences);

        // One error, the one it sends on purpose: every emit was answered with its task id.
        var error = Assert.Single(info.Component("split").Errors);
        Assert.EndsWith($"Shell process error: first tuple seen: {Corpus.Sentence(0)}", error.Message, StringComparison.Ordinal);
        Assert.Equal(Corpus.WordCounts(sentences).OrderBy(kv => kv.Key), Counts().OrderBy(kv => kv.Key));
    }

    [Fact]
    public void Shutdown_KillsEverySubprocess()
    {
        using var cluster = new LocalCluster();
        cluster.SubmitTopology("py-stop", Conf(100), Topology("splitsentence.py"));
        AwaitAcked(cluster, "py-stop", 100);
        var pids = OurPidFiles();
        Assert.Equal(3, pids.Count); // one spout task, two bolt tasks
        Assert.All(pids, pid => Assert.True(IsRunning(pid), $"subprocess {pid} is not running while its topology is"));

        cluster.KillTopology("py-stop", TimeSpan.Zero);

        Await(() => pids.All(pid => !IsRunning(pid)), "every subprocess to be gone after the topology was killed");
    }

    private Config Conf(int sentences)
    {
        var conf = new Config().SetMaxSpoutPending(200).SetMessageTimeoutSecs(60);
        conf["multilang.test.sentences"] = sentences;
        conf["multilang.test.marker.dir"] = _markers;
        return conf;
    }

    private StormTopology Topology(string script, int splitTasks = 2)
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("sentences", new PythonSentenceSpout(), 1);
        builder.SetBolt("split", new PythonSplitBolt(script), splitTasks).ShuffleGrouping("sentences");
        builder.SetBolt("count", new CountingBolt(_key), 2).FieldsGrouping("split", new Fields("word"));
        return builder.CreateTopology();
    }

    private static TopologyInfo AwaitAcked(LocalCluster cluster, string name, int sentences)
    {
        Await(() => cluster.GetTopologyInfo(name).Component("sentences").Total().Acked >= sentences, $"the spout of {name} to have {sentences} sentences acked", () =>
        {
            var info = cluster.GetTopologyInfo(name);
            return $"acked {info.Component("sentences").Total().Acked}, failed {info.Component("sentences").Total().Failed}; errors: "
                + string.Join(" | ", info.Component("split").Errors.Concat(info.Component("sentences").Errors).Select(e => e.Message));
        });
        return cluster.GetTopologyInfo(name);
    }

    private Dictionary<string, long> Counts() =>
        CountingBolt.Counts.TryGetValue(_key, out var c) ? new Dictionary<string, long>(c) : [];

    private void AssertCountsAtLeast(int sentences)
    {
        // Replays count some words twice (at-least-once), never fewer than once.
        var counts = Counts();
        foreach (var (word, n) in Corpus.WordCounts(sentences))
        {
            Assert.True(counts.GetValueOrDefault(word) >= n, $"'{word}' counted {counts.GetValueOrDefault(word)} times, fewer than its {n}");
        }
    }

    private static List<int> OurPidFiles()
    {
        var root = Path.Combine(Path.GetTempPath(), "stormsharp-multilang");
        return Directory.EnumerateDirectories(root, $"{Environment.ProcessId}-*")
            .SelectMany(Directory.EnumerateFiles)
            .Select(f => int.Parse(Path.GetFileName(f), System.Globalization.CultureInfo.InvariantCulture))
            .ToList();
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static void Await(Func<bool> condition, string what, Func<string>? detail = null)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.Elapsed > Deadline)
            {
                Assert.Fail($"timed out after {Deadline.TotalSeconds:0} s waiting for {what}{(detail is null ? "" : ": " + detail())}");
            }

            Thread.Sleep(20);
        }
    }

    [GeneratedRegex(@"\(pid (\d+)\)")]
    private static partial Regex PidOf();
}
