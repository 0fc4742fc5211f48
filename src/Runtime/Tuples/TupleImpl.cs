using StormSharp.Topology;

namespace StormSharp.Runtime.Tuples;

/// <summary>
/// A tuple in flight. One object per receiving task: the values list is shared between receivers and passed by
/// reference inside a worker. Ack-tree ids are kept inline for the common case of one root, so that an anchored
/// tuple costs no allocation beyond itself. System messages (acker traffic, ticks) use the same type with their
/// payload in <see cref="Root"/>, <see cref="Edge"/> and <see cref="SourceTask"/>, so queues hold one type.
/// </summary>
internal sealed class TupleImpl : ITuple
{
    private static readonly IReadOnlyList<object?> NoValues = [];

    private const int RootPrefetchDistance = 4;

    public TupleImpl(StreamInfo stream, IReadOnlyList<object?> values, int sourceTask, int destTask)
    {
        Stream = stream;
        ValuesList = values;
        SourceTask = sourceTask;
        DestTask = destTask;
    }

    public TupleImpl(StreamInfo stream, int sourceTask, int destTask, long root, long edge)
    {
        Stream = stream;
        ValuesList = NoValues;
        SourceTask = sourceTask;
        DestTask = destTask;
        Root = root;
        Edge = edge;
        AnchorCount = 1;
    }

    public StreamInfo Stream { get; }

    public IReadOnlyList<object?> ValuesList { get; }

    public int SourceTask { get; }

    /// <summary>The task that receives this tuple (an executor may run several tasks).</summary>
    public int DestTask { get; }

    /// <summary>The number of (root, edge) pairs: 0 unanchored, 1 inline, more in <see cref="MoreAnchors"/>.</summary>
    public int AnchorCount { get; private set; }

    public long Root { get; private set; }

    public long Edge { get; private set; }

    /// <summary>Pairs after the first: root at even index, edge at odd index.</summary>
    public long[]? MoreAnchors { get; private set; }

    /// <summary>XOR of the edge ids of the tuples anchored to this one, folded into its ack.</summary>
    public long OutAckVal { get; set; }

    /// <summary>Whether the receiving bolt has acked or failed it (a second ack or fail is ignored).</summary>
    public bool Done { get; set; }

    /// <summary>
    /// Whether the receiving bolt sampled its execute and waits for the ack to time it (so only sampled tuples are looked
    /// up when acked later). Sits in the object's padding after <see cref="Done"/>.
    /// </summary>
    public bool AwaitsTimedAck { get; set; }

    public void AddAnchor(long root, long edge)
    {
        // A root can reach a tuple through several anchors; its edge ids are XORed together (Storm's MessageId.anchorsToIds).
        if (AnchorCount > 0 && Root == root)
        {
            Edge ^= edge;
            return;
        }

        if (AnchorCount == 0)
        {
            Root = root;
            Edge = edge;
            AnchorCount = 1;
            return;
        }

        var more = MoreAnchors;
        var n = AnchorCount - 1;
        if (more is not null)
        {
            for (var i = 0; i < n; i++)
            {
                if (more[2 * i] == root)
                {
                    more[(2 * i) + 1] ^= edge;
                    return;
                }
            }
        }

        if (more is null || more.Length < 2 * (n + 1))
        {
            Array.Resize(ref more, Math.Max(4, 2 * (n + 1) * 2));
            MoreAnchors = more;
        }

        more[2 * n] = root;
        more[(2 * n) + 1] = edge;
        AnchorCount++;
    }

    /// <summary>
    /// Appends a (root, value) pair without merging: acker traffic travels in batches of pairs, one message per
    /// destination per flush, and the acker applies each pair in order.
    /// </summary>
    public void AppendPair(long root, long value)
    {
        if (AnchorCount == 0)
        {
            Root = root;
            Edge = value;
            AnchorCount = 1;
            return;
        }

        var n = AnchorCount - 1;
        var more = MoreAnchors;
        if (more is null || more.Length < 2 * (n + 1))
        {
            // Pooled: the executor that applies the batch hands the array back (ReleasePairs), so a steady stream of
            // acks reuses a few arrays instead of allocating one per batch.
            var bigger = System.Buffers.ArrayPool<long>.Shared.Rent(Math.Max(126, 4 * (n + 1)));
            if (more is not null)
            {
                Array.Copy(more, bigger, 2 * n);
                System.Buffers.ArrayPool<long>.Shared.Return(more);
            }

            MoreAnchors = more = bigger;
        }

        more[2 * n] = root;
        more[(2 * n) + 1] = value;
        AnchorCount++;
    }

    /// <summary>
    /// XORs <paramref name="value"/> into the last pair when it has the same root: consecutive acks of one tree (the
    /// words of one sentence, say) then cost the acker one update instead of one each. XOR makes them equivalent.
    /// </summary>
    public bool TryMergeLast(long root, long value)
    {
        var n = AnchorCount - 1;
        if (n < 0)
        {
            return false;
        }

        if (n == 0)
        {
            if (Root != root)
            {
                return false;
            }

            Edge ^= value;
            return true;
        }

        var more = MoreAnchors!;
        if (more[2 * (n - 1)] != root)
        {
            return false;
        }

        more[(2 * (n - 1)) + 1] ^= value;
        return true;
    }

    /// <summary>After a batch of acker pairs has been applied: returns its pooled array. The tuple is dead afterwards.</summary>
    public void ReleasePairs()
    {
        if (MoreAnchors is { } more)
        {
            MoreAnchors = null;
            AnchorCount = 0;
            System.Buffers.ArrayPool<long>.Shared.Return(more);
        }
    }

    public long RootAt(int i) => i == 0 ? Root : MoreAnchors![2 * (i - 1)];

    /// <summary>
    /// For a walk over this batch's pairs that looks each root up in <paramref name="map"/> (the acker's table, a
    /// spout's pending tuples), called before pair <paramref name="i"/>: roots are random, so each lookup misses the
    /// cache, and this asks for the slot of the root <see cref="RootPrefetchDistance"/> pairs ahead (at the first pair,
    /// for the first few as well), overlapping those misses with the work on the pairs before.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public void PrefetchRoots<TValue>(Acking.LongMap<TValue> map, int i)
        where TValue : struct
    {
        var to = Math.Min(AnchorCount, i + RootPrefetchDistance + 1);
        for (var j = i == 0 ? 0 : i + RootPrefetchDistance; j < to; j++)
        {
            map.Prefetch(RootAt(j));
        }
    }

    public long EdgeAt(int i) => i == 0 ? Edge : MoreAnchors![(2 * (i - 1)) + 1];

    public IReadOnlyList<object?> Values => ValuesList;

    public Fields Fields => Stream.Fields;

    public int Size => ValuesList.Count;

    public string SourceComponent => Stream.ComponentId;

    public string SourceStreamId => Stream.StreamId;

    public GlobalStreamId SourceGlobalStreamId => Stream.GlobalId;

    public MessageId MessageId
    {
        get
        {
            if (AnchorCount == 0)
            {
                return MessageId.Unanchored;
            }

            var map = new Dictionary<long, long>(AnchorCount);
            for (var i = 0; i < AnchorCount; i++)
            {
                map[RootAt(i)] = EdgeAt(i);
            }

            return new MessageId(map);
        }
    }

    public object? GetValue(int index) => ValuesList[index];

    public object? GetValueByField(string field) => ValuesList[Stream.Fields.FieldIndex(field)];

    public bool Contains(string field) => Stream.Fields.Contains(field);

    public int FieldIndex(string field) => Stream.Fields.FieldIndex(field);

    public List<object?> Select(Fields selector) => Stream.Fields.Select(selector, ValuesList);

    public string? GetString(int index) => (string?)ValuesList[index];

    public int GetInteger(int index) => Convert.ToInt32(ValuesList[index], System.Globalization.CultureInfo.InvariantCulture);

    public long GetLong(int index) => Convert.ToInt64(ValuesList[index], System.Globalization.CultureInfo.InvariantCulture);

    public double GetDouble(int index) => Convert.ToDouble(ValuesList[index], System.Globalization.CultureInfo.InvariantCulture);

    public bool GetBoolean(int index) => (bool)ValuesList[index]!;

    public byte[]? GetBinary(int index) => (byte[]?)ValuesList[index];

    public string? GetStringByField(string field) => GetString(FieldIndex(field));

    public int GetIntegerByField(string field) => GetInteger(FieldIndex(field));

    public long GetLongByField(string field) => GetLong(FieldIndex(field));

    public double GetDoubleByField(string field) => GetDouble(FieldIndex(field));

    public bool GetBooleanByField(string field) => GetBoolean(FieldIndex(field));

    public byte[]? GetBinaryByField(string field) => GetBinary(FieldIndex(field));

    public override string ToString() =>
        $"source: {SourceComponent}:{SourceTask}, stream: {SourceStreamId}, id: {MessageId}, [{string.Join(", ", ValuesList)}]";
}
