namespace StormSharp.Cluster;

/// <summary>Supervisors that joined and left since the previous notification (or the subscription).</summary>
public sealed record MembershipChange(IReadOnlyList<string> Joined, IReadOnlyList<string> Left);
