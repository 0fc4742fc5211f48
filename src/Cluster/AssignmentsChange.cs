namespace StormSharp.Cluster;

/// <summary>
/// Topology ids whose assignment appeared, was rewritten or was removed since the previous
/// notification (or the subscription).
/// </summary>
public sealed record AssignmentsChange(IReadOnlyList<string> Added, IReadOnlyList<string> Changed, IReadOnlyList<string> Removed);
