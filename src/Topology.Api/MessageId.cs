namespace StormSharp.Topology;

/// <summary>
/// The ack-tree ids a tuple carries: for each spout tuple it descends from (the root id), the id of the
/// edge this tuple is in that tree. Empty for an unanchored tuple.
/// </summary>
public sealed class MessageId
{
    /// <summary>The id of an unanchored tuple.</summary>
    public static readonly MessageId Unanchored = new(new Dictionary<long, long>());

    /// <summary>Creates a message id from its root-to-edge map.</summary>
    public MessageId(IReadOnlyDictionary<long, long> anchorsToIds)
    {
        AnchorsToIds = anchorsToIds ?? throw new ArgumentNullException(nameof(anchorsToIds));
    }

    /// <summary>Root id to edge id.</summary>
    public IReadOnlyDictionary<long, long> AnchorsToIds { get; }

    /// <summary>The root ids.</summary>
    public IEnumerable<long> Anchors => AnchorsToIds.Keys;

    /// <inheritdoc/>
    public override string ToString() =>
        "{" + string.Join(", ", AnchorsToIds.Select(kv => kv.Key.ToString("x16") + "=" + kv.Value.ToString("x16"))) + "}";
}
