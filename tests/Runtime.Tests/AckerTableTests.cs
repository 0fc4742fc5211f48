using StormSharp.Runtime.Acking;
using StormSharp.Runtime.Tuples;
using StormSharp.Topology;

namespace StormSharp.Runtime.Tests;

public sealed class AckerTableTests
{
    [Fact]
    public void Ack_BeforeInit_CompletesWhenInitArrives()
    {
        var table = new AckerTable();
        const long root = 11, e1 = 0x1234, e2 = 0x5678;

        // The bolt's ack (retiring e1, announcing e2) and the leaf's ack both overtake the spout's init.
        Assert.Equal(AckOutcome.Pending, table.Ack(root, e1 ^ e2, 0, out _));
        Assert.Equal(AckOutcome.Pending, table.Ack(root, e2, 0, out _));
        Assert.Equal(AckOutcome.Completed, table.Init(root, e1, 7, 0, out var spout));
        Assert.Equal(7, spout);
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void Ack_PartOfTheTree_StaysPending()
    {
        var table = new AckerTable();
        Assert.Equal(AckOutcome.Pending, table.Init(1, 0xa ^ 0xb, 3, 0, out _));
        Assert.Equal(AckOutcome.Pending, table.Ack(1, 0xa, 0, out _));
        Assert.Equal(1, table.Count);
        Assert.Equal(AckOutcome.Completed, table.Ack(1, 0xb, 0, out _));
    }

    [Fact]
    public void Fail_BeforeInit_FailsWhenSpoutIsKnown()
    {
        var table = new AckerTable();
        Assert.Equal(AckOutcome.Pending, table.Fail(5, 0, out _));
        Assert.Equal(AckOutcome.Failed, table.Init(5, 0xf, 2, 0, out var spout));
        Assert.Equal(2, spout);
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void Expire_OldTrees_Dropped_ResetTreesKept()
    {
        var table = new AckerTable();
        table.Init(1, 0x1, 4, now: 0, out _);
        table.Init(2, 0x2, 4, now: 0, out _);
        Assert.Equal(4, table.ResetTimeout(2, now: 90));
        Assert.Equal(1, table.Expire(now: 100, maxAge: 50, []));
        Assert.Equal(1, table.Count);
        Assert.Equal(AckOutcome.Completed, table.Ack(2, 0x2, 100, out _));
    }

    [Fact]
    public void AckBatch_ConsecutiveAcksOfOneRoot_MergeIntoOnePairThatCompletesTheTree()
    {
        // Words of one sentence acked in a row travel as one pair: XOR of their values, same effect on the acker.
        var stream = new StreamInfo("__acker", "__ack_ack", new Fields("id", "ack-val"), direct: false, index: 0);
        var batch = new TupleImpl(stream, [], 1, 2);
        const long a = 0x11, b = 0x202, c = 0x4004, d = 0x80008;
        batch.AppendPair(1, a);
        Assert.True(batch.TryMergeLast(1, b));
        Assert.False(batch.TryMergeLast(9, 0x5));
        batch.AppendPair(9, 0x5);
        Assert.True(batch.TryMergeLast(9, 0x6));
        batch.AppendPair(1, c);
        Assert.True(batch.TryMergeLast(1, d));
        Assert.Equal(3, batch.AnchorCount);
        Assert.Equal([1L, 9L, 1L], [batch.RootAt(0), batch.RootAt(1), batch.RootAt(2)]);

        var table = new AckerTable();
        table.Init(1, a ^ b ^ c ^ d, 3, 0, out _);
        table.Init(9, 0x5 ^ 0x6, 3, 0, out _);
        var outcomes = Enumerable.Range(0, batch.AnchorCount).Select(i => table.Ack(batch.RootAt(i), batch.EdgeAt(i), 0, out _)).ToList();
        Assert.Equal([AckOutcome.Pending, AckOutcome.Completed, AckOutcome.Completed], outcomes);
        batch.ReleasePairs();
    }
}
