using Grpc.Core;

namespace StormSharp.Nimbus.Internal;

/// <summary>The statuses of <c>nimbus.proto</c>, with messages that name the topology and the problem.</summary>
internal static class RpcErrors
{
    /// <summary>The trailer a non-leader names the leader in, as <c>host:port</c>.</summary>
    public const string LeaderTrailer = "storm-leader";

    public static RpcException InvalidArgument(string message) => new(new Status(StatusCode.InvalidArgument, message));

    public static RpcException NotFound(string what) => new(new Status(StatusCode.NotFound, $"no topology {what} is running"));

    public static RpcException AlreadyExists(string name) => new(new Status(StatusCode.AlreadyExists, $"a topology named '{name}' is already running"));

    public static RpcException Conflict(string message) => new(new Status(StatusCode.FailedPrecondition, message));

    public static RpcException Unavailable(string message) => new(new Status(StatusCode.Unavailable, message));

    public static RpcException NotLeader(string self, string leader) =>
        new(new Status(StatusCode.FailedPrecondition, $"this Nimbus ({self}) is not the leader; {leader} is"), new Metadata { { LeaderTrailer, leader } });
}
