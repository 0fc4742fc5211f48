using StormSharp.Cluster.Rpc;

namespace StormSharp.Nimbus.Internal;

/// <summary>A worker's heartbeat and when Nimbus received it (milliseconds since the Unix epoch, Nimbus's clock).</summary>
internal sealed record ReceivedHeartbeat(WorkerHeartbeat Heartbeat, long ReceivedMs);
