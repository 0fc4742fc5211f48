namespace StormSharp.Cluster;

/// <summary>A record as read, with the version to pass back for a conditional write.</summary>
public sealed record Versioned<T>(T Value, int Version);
