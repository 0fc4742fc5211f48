using StormSharp.Runtime.Execution;
using StormSharp.Topology;

namespace StormSharp.Runtime.Routing;

/// <summary>
/// Chooses the receiving tasks of one subscribing component for each tuple on one stream. One instance per emitting
/// executor, used only by its thread, so groupers keep state (cursors, counts) without locks. Choices are written into
/// a caller-owned buffer: routing allocates nothing.
/// </summary>
internal abstract class Grouper
{
    protected Grouper(int[] targetTasks)
    {
        TargetTasks = targetTasks;
    }

    /// <summary>The subscribing component's tasks, ascending.</summary>
    public int[] TargetTasks { get; }

    /// <summary>Writes the chosen task ids into <paramref name="into"/> (at least TargetTasks.Length long); returns how many.</summary>
    public abstract int Choose(int sourceTask, IReadOnlyList<object?> values, int[] into);

    /// <summary>Called now and then by the emitting executor with each target task's receive-queue load (0..1).</summary>
    public virtual void RefreshLoad(Func<int, double> loadOfTask)
    {
    }

    /// <summary>
    /// Builds the grouper; <paramref name="keys"/> hashes fields groupings' keys (default: no user types, unnamed
    /// stream); <paramref name="shuffle"/> is how shuffles weigh load and locality (default: Storm's).
    /// </summary>
    public static Grouper Create(
        Grouping grouping,
        Fields streamFields,
        int[] targetTasks,
        int[] localTargetTasks,
        Func<ICustomStreamGrouping> custom,
        Random random,
        KeyHasher? keys = null,
        ShuffleSettings? shuffle = null) =>
        grouping.Type switch
        {
            GroupingType.Shuffle or GroupingType.None => new ShuffleGrouper(targetTasks, random, localTargetTasks, shuffle ?? ShuffleSettings.Default),
            GroupingType.LocalOrShuffle => new ShuffleGrouper(localTargetTasks.Length > 0 ? localTargetTasks : targetTasks, random, [], shuffle ?? ShuffleSettings.Default),
            GroupingType.Fields => new FieldsGrouper(targetTasks, IndexesOf(streamFields, grouping.Fields!), keys),
            GroupingType.PartialKey => new PartialKeyGrouper(targetTasks, IndexesOf(streamFields, grouping.Fields!), keys),
            GroupingType.All => new AllGrouper(targetTasks),
            GroupingType.Global => new GlobalGrouper(targetTasks),
            GroupingType.Direct => new DirectGrouper(targetTasks),
            GroupingType.Custom => new CustomGrouper(targetTasks, custom()),
            _ => throw new ArgumentOutOfRangeException(nameof(grouping), grouping.Type, "unknown grouping"),
        };

    private static int[] IndexesOf(Fields streamFields, Fields grouping)
    {
        var indexes = new int[grouping.Count];
        for (var i = 0; i < indexes.Length; i++)
        {
            indexes[i] = streamFields.FieldIndex(grouping[i]);
        }

        return indexes;
    }

    protected static int FloorMod(int hash, int n) => (int)((uint)hash % (uint)n);
}

/// <summary>
/// Shuffle (Storm 2's LoadAwareShuffleGrouping): a shuffled deck of the targets, each dealt in proportion to how
/// empty its receive queue is, refreshed with the loads now and then. With targets in the emitter's own worker and
/// others elsewhere it keeps to the local ones, which cost no encoding and no socket, while their mean load stays at
/// or under the higher bound; above it, it deals to all targets until their mean load is under the lower bound. The
/// load of a target in another worker is not known here and counts as 0.
/// </summary>
internal sealed class ShuffleGrouper : Grouper
{
    private const int SlotsPerTask = 16;
    private readonly Random _random;
    private readonly int[] _local;
    private readonly ShuffleSettings _settings;
    private bool _keepLocal;
    private int[] _choices;
    private int _cursor;

    public ShuffleGrouper(int[] targetTasks, Random random, int[]? localTasks = null, ShuffleSettings? settings = null)
        : base(targetTasks)
    {
        _random = random;
        _settings = settings ?? ShuffleSettings.Default;

        // Locality matters only with targets on both sides of the worker's boundary.
        _local = _settings.LoadAware && localTasks is { Length: > 0 } l && l.Length < targetTasks.Length ? l : [];
        _keepLocal = _local.Length > 0;
        _choices = Build(InScope, _ => SlotsPerTask);
    }

    /// <summary>Whether the grouper keeps to the targets in its own worker now.</summary>
    public bool KeepsLocal => _keepLocal;

    private int[] InScope => _keepLocal ? _local : TargetTasks;

    public override int Choose(int sourceTask, IReadOnlyList<object?> values, int[] into)
    {
        var c = _cursor;
        if (c >= _choices.Length)
        {
            c = 0;
        }

        into[0] = _choices[c];
        _cursor = c + 1;
        return 1;
    }

    public override void RefreshLoad(Func<int, double> loadOfTask)
    {
        if (!_settings.LoadAware)
        {
            return;
        }

        var scopeChanged = false;
        if (_local.Length > 0)
        {
            var mean = InScope.Average(t => Math.Clamp(loadOfTask(t), 0, 1));
            var keepLocal = _keepLocal ? mean <= _settings.HigherBound : mean < _settings.LowerBound;
            scopeChanged = keepLocal != _keepLocal;
            _keepLocal = keepLocal;
        }

        if (InScope.Length < 2 && !scopeChanged)
        {
            return; // one target: nothing to weigh
        }

        // Weights from 1 (queue full) to SlotsPerTask (queue empty).
        _choices = Build(InScope, t => 1 + (int)Math.Round((SlotsPerTask - 1) * (1 - Math.Clamp(loadOfTask(t), 0, 1))));
        _cursor = 0;
    }

    private int[] Build(int[] tasks, Func<int, int> weight)
    {
        var list = new List<int>(tasks.Length * SlotsPerTask);
        foreach (var t in tasks)
        {
            var w = weight(t);
            for (var i = 0; i < w; i++)
            {
                list.Add(t);
            }
        }

        var array = list.ToArray();
        _random.Shuffle(array);
        return array;
    }
}

/// <summary>Equal values of the grouping fields go to the same task: a stable hash modulo the task count.</summary>
internal sealed class FieldsGrouper(int[] targetTasks, int[] fieldIndexes, KeyHasher? keys = null) : Grouper(targetTasks)
{
    private readonly KeyHasher _keys = keys ?? KeyHasher.Default;

    public override int Choose(int sourceTask, IReadOnlyList<object?> values, int[] into)
    {
        into[0] = TargetTasks[FloorMod(_keys.Of(values, fieldIndexes, StableHash.DefaultSeed), TargetTasks.Length)];
        return 1;
    }
}

/// <summary>
/// Key-skew tolerant fields grouping ("the power of both choices"): two hashes give each key two candidate tasks and
/// the one this emitter has sent fewer tuples to is chosen.
/// </summary>
internal sealed class PartialKeyGrouper(int[] targetTasks, int[] fieldIndexes, KeyHasher? keys = null) : Grouper(targetTasks)
{
    private readonly long[] _sent = new long[targetTasks.Length];
    private readonly KeyHasher _keys = keys ?? KeyHasher.Default;

    public override int Choose(int sourceTask, IReadOnlyList<object?> values, int[] into)
    {
        var n = TargetTasks.Length;
        var first = FloorMod(_keys.Of(values, fieldIndexes, 0x12345679), n);

        // The second choice is drawn from the other tasks, so a key always has two when there are two.
        var second = n < 2 ? first : (first + 1 + FloorMod(_keys.Of(values, fieldIndexes, 0x7f4a7c15), n - 1)) % n;
        var pick = _sent[second] < _sent[first] ? second : first;
        _sent[pick]++;
        into[0] = TargetTasks[pick];
        return 1;
    }
}

/// <summary>Every task.</summary>
internal sealed class AllGrouper(int[] targetTasks) : Grouper(targetTasks)
{
    public override int Choose(int sourceTask, IReadOnlyList<object?> values, int[] into)
    {
        TargetTasks.CopyTo(into, 0);
        return TargetTasks.Length;
    }
}

/// <summary>The lowest task id.</summary>
internal sealed class GlobalGrouper(int[] targetTasks) : Grouper(targetTasks)
{
    public override int Choose(int sourceTask, IReadOnlyList<object?> values, int[] into)
    {
        into[0] = TargetTasks[0];
        return 1;
    }
}

/// <summary>Placeholder in the route of a direct stream: EmitDirect picks the task; a plain emit reaches no one.</summary>
internal sealed class DirectGrouper(int[] targetTasks) : Grouper(targetTasks)
{
    public override int Choose(int sourceTask, IReadOnlyList<object?> values, int[] into) => 0;
}

/// <summary>A user's <see cref="ICustomStreamGrouping"/>; its choices are checked against the subscriber's tasks.</summary>
internal sealed class CustomGrouper(int[] targetTasks, ICustomStreamGrouping grouping) : Grouper(targetTasks)
{
    public ICustomStreamGrouping Grouping { get; } = grouping;

    public override int Choose(int sourceTask, IReadOnlyList<object?> values, int[] into)
    {
        var chosen = Grouping.ChooseTasks(sourceTask, values) ?? [];
        var n = 0;
        for (var i = 0; i < chosen.Count; i++)
        {
            var t = chosen[i]; // indexed: a foreach over the interface would allocate an enumerator per tuple
            if (Array.BinarySearch(TargetTasks, t) < 0)
            {
                throw new InvalidOperationException(
                    $"custom grouping {Grouping.GetType().Name} chose task {t}, which is not one of the subscriber's tasks [{string.Join(", ", TargetTasks)}]");
            }

            if (n == into.Length)
            {
                throw new InvalidOperationException($"custom grouping {Grouping.GetType().Name} chose more tasks than the subscriber has");
            }

            into[n++] = t;
        }

        return n;
    }
}
