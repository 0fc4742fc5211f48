using StormSharp.Runtime.Acking;

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
}
