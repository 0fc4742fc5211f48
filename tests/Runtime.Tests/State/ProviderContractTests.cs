using StormSharp.Tests.Shared;
using StormSharp.Topology.State;

namespace StormSharp.Runtime.Tests.State;

public sealed class InMemoryStateProviderContractTests : StateStoreContract, IDisposable
{
    protected override IStateProvider Provider { get; } = new InMemoryStateProvider();

    public void Dispose() => InMemoryStateProvider.Clear(Topology);
}

public sealed class FileStateProviderContractTests : StateStoreContract, IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "stormsharp-state-" + Guid.NewGuid().ToString("N")[..8]);

    public FileStateProviderContractTests()
    {
        Conf = new Dictionary<string, object?> { ["storm.local.dir"] = _dir };
    }

    protected override IStateProvider Provider { get; } = new FileStateProvider();

    protected override IReadOnlyDictionary<string, object?> Conf { get; }

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public void Open_KeepsStateUnderStormLocalDir()
    {
        using var store = Provider.Open(Topology, "count-3", Conf);
        store.CommitNow(new Dictionary<string, string?> { ["a"] = "1" });
        Assert.True(File.Exists(Path.Combine(_dir, "state", Topology, "count-3", "committed.json")));
    }
}

public sealed class KeyValueStateTests : IDisposable
{
    private readonly string _topology = "kv-" + Guid.NewGuid().ToString("N")[..8];

    public void Dispose() => InMemoryStateProvider.Clear(_topology);

    [Fact]
    public void GetPutDeleteAndIterate_SeeEveryChange_CommitKeepsThem_RollbackDropsThemSinceTheLastCommit()
    {
        var state = Open();
        state.Put("a", 1);
        state.Put("b", 2);
        Assert.Equal(1, state.Get("a"));
        Assert.Equal(7, state.Get("missing", 7));
        state.PrepareCommit(0);
        state.Put("c", 3);
        Assert.Equal(2, state.Delete("b"));
        Assert.Equal(0, state.Get("b"));
        Assert.Equal(new Dictionary<string, int> { ["a"] = 1, ["c"] = 3 }, state.ToDictionary(kv => kv.Key, kv => kv.Value));
        state.Commit(0);

        // A new instance sees what checkpoint 0 committed: a and b, not the later changes.
        Assert.Equal(new Dictionary<string, int> { ["a"] = 1, ["b"] = 2 }, Open().ToDictionary(kv => kv.Key, kv => kv.Value));

        state.PrepareCommit(1);
        state.Put("d", 4);
        state.Rollback();
        Assert.Equal(new Dictionary<string, int> { ["a"] = 1, ["b"] = 2 }, state.ToDictionary(kv => kv.Key, kv => kv.Value));
    }

    private KeyValueState<string, int> Open() => new(new InMemoryStateProvider().Open(_topology, "ns", new Dictionary<string, object?>()));
}
