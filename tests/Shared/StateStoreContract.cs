using StormSharp.Topology.State;

namespace StormSharp.Tests.Shared;

/// <summary>
/// What every state provider must do, run against each one: a prepared change set is applied by its commit all at
/// once, survives a reopen until then, is dropped by a rollback; and no reader ever sees a checkpoint half committed.
/// </summary>
public abstract class StateStoreContract
{
    protected string Topology { get; } = "contract-" + Guid.NewGuid().ToString("N")[..8];

    protected abstract IStateProvider Provider { get; }

    protected virtual IReadOnlyDictionary<string, object?> Conf { get; } = new Dictionary<string, object?>();

    [Fact]
    public void Commit_AppliesThePreparedSet_AndAReopenedStoreSeesIt()
    {
        using (var store = Provider.Open(Topology, "ns-commit", Conf))
        {
            store.CommitNow(new Dictionary<string, string?> { ["a"] = "1", ["b"] = "2" });
            store.Prepare(0, new Dictionary<string, string?> { ["a"] = "10", ["b"] = null, ["c"] = "3" });
            var before = store.Load();
            Assert.Equal(new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" }, before.Committed);
            Assert.Equal(0, before.PreparedTxid);
            store.Commit(0);
        }

        using var reopened = Provider.Open(Topology, "ns-commit", Conf);
        var after = reopened.Load();
        Assert.Equal(new Dictionary<string, string> { ["a"] = "10", ["c"] = "3" }, after.Committed);
        Assert.Equal(0, after.CommittedTxid);
        Assert.Null(after.PreparedTxid);
    }

    [Fact]
    public void Rollback_DropsThePreparedSet()
    {
        using var store = Provider.Open(Topology, "ns-rollback", Conf);
        store.Prepare(0, new Dictionary<string, string?> { ["a"] = "1" });
        store.Commit(0);
        store.Prepare(1, new Dictionary<string, string?> { ["a"] = "2", ["b"] = "3" });
        store.Rollback();
        var s = store.Load();
        Assert.Equal(new Dictionary<string, string> { ["a"] = "1" }, s.Committed);
        Assert.Equal(0, s.CommittedTxid);
        Assert.Null(s.Prepared);
    }

    [Fact]
    public void PreparedSet_SurvivesAReopen_SoTheCommitOfARecoveryCanApplyIt()
    {
        using (var store = Provider.Open(Topology, "ns-recover", Conf))
        {
            store.Prepare(4, new Dictionary<string, string?> { ["k"] = "v" });
        }

        using var reopened = Provider.Open(Topology, "ns-recover", Conf);
        var s = reopened.Load();
        Assert.Equal(4, s.PreparedTxid);
        Assert.Equal("v", s.Prepared!["k"]);
        reopened.Commit(4);
        reopened.Commit(4); // a commit sent again in recovery changes nothing
        Assert.Equal("v", reopened.Load().Committed["k"]);
        Assert.Equal(4, reopened.Load().CommittedTxid);
        Assert.Throws<InvalidOperationException>(() => reopened.Commit(5));
    }

    [Fact]
    public async Task Readers_NeverSeeAHalfCommittedCheckpoint()
    {
        const int keys = 20, checkpoints = 40;
        using var writer = Provider.Open(Topology, "ns-atomic", Conf);
        using var reader = Provider.Open(Topology, "ns-atomic", Conf);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var mixed = new List<string>();
        var reads = 0;
        var done = false;
        var readerTask = Task.Run(
            () =>
            {
                while (!Volatile.Read(ref done) && !cts.IsCancellationRequested)
                {
                    var committed = reader.Load().Committed;
                    Interlocked.Increment(ref reads);
                    var distinct = committed.Values.Distinct().ToList();
                    if (distinct.Count > 1 || (committed.Count != 0 && committed.Count != keys))
                    {
                        mixed.Add(string.Join(",", committed.OrderBy(kv => kv.Key).Select(kv => kv.Value)));
                    }
                }
            },
            cts.Token);

        while (Volatile.Read(ref reads) == 0 && !readerTask.IsCompleted)
        {
            await Task.Delay(1, cts.Token);
        }

        for (var txid = 0; txid < checkpoints && !cts.IsCancellationRequested; txid++)
        {
            var changes = Enumerable.Range(0, keys).ToDictionary(i => "k" + i, _ => (string?)txid.ToString(System.Globalization.CultureInfo.InvariantCulture));
            writer.Prepare(txid, changes);
            writer.Commit(txid);
        }

        Volatile.Write(ref done, true);
        await readerTask.WaitAsync(cts.Token);
        Assert.True(reads > 0, "the reader ran");
        Assert.Empty(mixed);
        Assert.Equal(checkpoints - 1, writer.Load().CommittedTxid);
    }
}
