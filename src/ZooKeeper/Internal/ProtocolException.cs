namespace StormSharp.ZooKeeper.Internal;

/// <summary>The peer sent bytes that are not ZooKeeper's protocol; the connection cannot be trusted further.</summary>
internal sealed class ProtocolException(string message) : Exception(message);
