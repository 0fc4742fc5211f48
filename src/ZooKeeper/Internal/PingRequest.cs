namespace StormSharp.ZooKeeper.Internal;

/// <summary>A keep-alive: nobody waits for its reply, so it completes as soon as it exists.</summary>
internal sealed class PingRequest(byte[] frame) : PendingRequest(frame, Xids.Ping)
{
    public override bool IsCompleted => false;

    public override void OnReply(ErrorCode error, ref JuteReader body)
    {
    }

    public override void Fail(Exception error)
    {
    }
}
