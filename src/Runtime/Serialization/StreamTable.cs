namespace StormSharp.Runtime.Serialization;

/// <summary>
/// The stream ids of a topology, numbered the same way in every worker, so a tuple carries a small index instead
/// of its stream's name. A stream missing from the table still travels, as its name.
/// </summary>
internal sealed class StreamTable
{
    private readonly string[] _ids;
    private readonly Dictionary<string, int> _indexes;

    /// <summary>Numbers <paramref name="streamIds"/> in the order given; every worker must pass the same order.</summary>
    public StreamTable(IEnumerable<string> streamIds)
    {
        ArgumentNullException.ThrowIfNull(streamIds);
        var ids = new List<string>();
        _indexes = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var id in streamIds)
        {
            ArgumentNullException.ThrowIfNull(id, nameof(streamIds));
            if (_indexes.TryAdd(id, ids.Count))
            {
                ids.Add(id);
            }
        }

        _ids = [.. ids];
    }

    public static StreamTable Empty { get; } = new([]);

    public int Count => _ids.Length;

    public bool TryGetIndex(string streamId, out int index) => _indexes.TryGetValue(streamId, out index);

    public bool TryGetId(int index, out string streamId)
    {
        if ((uint)index < (uint)_ids.Length)
        {
            streamId = _ids[index];
            return true;
        }

        streamId = string.Empty;
        return false;
    }
}
