namespace StormSharp.Topology.State;

/// <summary>The actions of the checkpoint protocol, as carried in checkpoint tuples.</summary>
internal static class CheckpointAction
{
    public const string Prepare = "PREPARE";
    public const string Commit = "COMMIT";
    public const string Rollback = "ROLLBACK";
    public const string InitState = "INITSTATE";
}

/// <summary>The checkpoint spout's progress and what it does next (Storm's CheckPointState).</summary>
internal readonly record struct CheckPointState(long Txid, CheckPointState.Phase State)
{
    public enum Phase
    {
        Committed,
        Committing,
        Preparing,
    }

    public CheckPointState Next(bool recovering) => State switch
    {
        Phase.Preparing => recovering ? new(Txid - 1, Phase.Committed) : new(Txid, Phase.Committing),
        Phase.Committing => new(Txid, Phase.Committed),
        _ => recovering ? this : new(Txid + 1, Phase.Preparing),
    };

    public string NextAction(bool recovering) => State switch
    {
        Phase.Preparing => recovering ? CheckpointAction.Rollback : CheckpointAction.Prepare,
        Phase.Committing => CheckpointAction.Commit,
        _ => recovering ? CheckpointAction.InitState : CheckpointAction.Prepare,
    };

    public override string ToString() => $"{Txid}:{State}";

    public static CheckPointState Parse(string s)
    {
        var i = s.IndexOf(':', StringComparison.Ordinal);
        return new(long.Parse(s.AsSpan(0, i), System.Globalization.CultureInfo.InvariantCulture), Enum.Parse<Phase>(s.AsSpan(i + 1)));
    }
}
