namespace StormSharp.Topology;

/// <summary>
/// Builds a topology: spouts, bolts, and the streams bolts subscribe to with their groupings.
/// </summary>
public sealed class TopologyBuilder
{
    private readonly List<Entry> _entries = [];

    /// <summary>Adds a spout run by <paramref name="parallelismHint"/> executors (default 1).</summary>
    public SpoutDeclarer SetSpout(string id, ISpout spout, int parallelismHint = 1)
    {
        ArgumentNullException.ThrowIfNull(spout);
        var entry = new Entry(id, spout, true, parallelismHint);
        _entries.Add(entry);
        return new SpoutDeclarer(entry);
    }

    /// <summary>
    /// Adds a rich bolt run by <paramref name="parallelismHint"/> executors (default 1). A bolt that implements
    /// <see cref="State.IStatefulBolt{TState}"/> is added as a stateful bolt.
    /// </summary>
    public BoltDeclarer SetBolt(string id, IRichBolt bolt, int parallelismHint = 1)
    {
        ArgumentNullException.ThrowIfNull(bolt);
        if (State.StatefulBoltExecutor.StateTypeOf(bolt) is { } stateType)
        {
            return AddStateful(id, bolt, stateType, parallelismHint);
        }

        var entry = new Entry(id, bolt, false, parallelismHint);
        _entries.Add(entry);
        return new BoltDeclarer(entry);
    }

    /// <summary>Adds a basic bolt (inputs acked for it) run by <paramref name="parallelismHint"/> executors.</summary>
    public BoltDeclarer SetBolt(string id, IBasicBolt bolt, int parallelismHint = 1)
    {
        ArgumentNullException.ThrowIfNull(bolt);
        var entry = new Entry(id, bolt, false, parallelismHint);
        _entries.Add(entry);
        return new BoltDeclarer(entry);
    }

    /// <summary>
    /// Adds a windowed bolt run by <paramref name="parallelismHint"/> executors: its inputs are held in windows as its
    /// configuration (<see cref="Windowing.BaseWindowedBolt"/>) describes and acked as they leave every window. A bolt
    /// that implements <see cref="Windowing.IStatefulWindowedBolt{TState}"/> is added as a stateful bolt (see
    /// <see cref="SetStatefulBolt{TState}(string, State.IStatefulBolt{TState}, int)"/>), its windows kept by the
    /// checkpoints when it is persistent.
    /// </summary>
    public BoltDeclarer SetBolt(string id, Windowing.IWindowedBolt bolt, int parallelismHint = 1)
    {
        ArgumentNullException.ThrowIfNull(bolt);
        if (Windowing.StatefulWindowedBolts.StateTypeOf(bolt) is { } stateType)
        {
            return AddStateful(id, Windowing.StatefulWindowedBolts.Wrap(bolt, stateType), stateType, parallelismHint);
        }

        var entry = new Entry(id, new Windowing.WindowedBoltExecutor(bolt), false, parallelismHint);
        _entries.Add(entry);
        return new BoltDeclarer(entry);
    }

    /// <summary>
    /// Adds a stateful bolt run by <paramref name="parallelismHint"/> executors: the topology gets a checkpoint spout
    /// (<c>__checkpointspout</c>) whose checkpoints, every <c>topology.state.checkpoint.interval.ms</c>, commit the
    /// state of every stateful bolt or of none, in the provider <c>topology.state.provider</c> names. Every other bolt
    /// passes the checkpoints on; a spout that implements <see cref="State.ICheckpointableSpout"/> (and whose
    /// <see cref="State.ICheckpointableSpout.IsCheckpointable"/> is true) records its position in them, which makes the
    /// state exactly-once.
    /// </summary>
    public BoltDeclarer SetStatefulBolt<TState>(string id, State.IStatefulBolt<TState> bolt, int parallelismHint = 1)
        where TState : State.IState
    {
        ArgumentNullException.ThrowIfNull(bolt);
        return AddStateful(id, bolt, typeof(TState), parallelismHint);
    }

    /// <summary>
    /// Builds the topology. Every component's state is captured here, so later changes to the objects passed in
    /// do not reach it. Throws <see cref="InvalidTopologyException"/> naming a component whose state cannot travel
    /// to its tasks or whose stream declarations are wrong; the full graph is checked again at submit.
    /// </summary>
    public StormTopology CreateTopology()
    {
        var problems = new List<string>();
        var components = new List<ComponentDeclaration>();
        var entries = _entries.Any(e => e.Component is State.StatefulBoltExecutor) ? WithCheckpoints(_entries) : _entries;
        problems.AddRange(VolatileWindowsOverCheckpointableSpouts());
        foreach (var e in entries.Where(e => e.IsSpout).Concat(entries.Where(e => !e.IsSpout)))
        {
            var declarer = new OutputsDeclarer();
            try
            {
                e.Component.DeclareOutputFields(declarer);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
            {
                problems.Add($"component '{e.Id}': DeclareOutputFields failed: {ex.Message}");
            }

            problems.AddRange(declarer.Problems.Select(p => $"component '{e.Id}': {p}"));

            SerializedObject serialized;
            try
            {
                serialized = SerializedObject.Capture(e.Component, $"component '{e.Id}' ({e.Component.GetType().Name})");
            }
            catch (InvalidTopologyException ex)
            {
                problems.Add(ex.Message);
                continue;
            }

            var inputs = new List<InputDeclaration>();
            foreach (var (stream, grouping, custom) in e.Inputs)
            {
                if (custom is null)
                {
                    inputs.Add(new InputDeclaration(stream, grouping!));
                    continue;
                }

                try
                {
                    var shipped = SerializedObject.Capture(custom, $"custom grouping of '{e.Id}' on {stream} ({custom.GetType().Name})");
                    inputs.Add(new InputDeclaration(stream, new Grouping(GroupingType.Custom, custom: shipped)));
                }
                catch (InvalidTopologyException ex)
                {
                    problems.Add(ex.Message);
                }
            }

            var config = new Dictionary<string, object?>(StringComparer.Ordinal);
            IDictionary<string, object?>? own = null;
            try
            {
                own = e.Component.GetComponentConfiguration();
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or NotImplementedException)
            {
                problems.Add($"component '{e.Id}': GetComponentConfiguration failed: {ex.Message}");
            }

            if (own is not null)
            {
                foreach (var kv in own)
                {
                    config[kv.Key] = kv.Value;
                }
            }

            foreach (var kv in e.Config)
            {
                config[kv.Key] = kv.Value;
            }

            components.Add(new ComponentDeclaration(
                e.Id, e.IsSpout, serialized, e.Parallelism, e.NumTasks ?? e.Parallelism, config, inputs, declarer.Streams));
        }

        if (problems.Count > 0)
        {
            throw new InvalidTopologyException(problems);
        }

        return new StormTopology(components);
    }

    /// <summary>
    /// Stateful windowed bolts without persistence that read, directly or through other bolts, from a checkpointable
    /// spout: a recovery rewinds that spout to its checkpointed position, past the tuples the windows held, which
    /// would be lost.
    /// </summary>
    private IEnumerable<string> VolatileWindowsOverCheckpointableSpouts()
    {
        var byId = new Dictionary<string, Entry>(StringComparer.Ordinal);
        foreach (var e in _entries)
        {
            byId.TryAdd(e.Id, e);
        }

        foreach (var e in _entries.Where(e => Windowing.StatefulWindowedBolts.IsVolatile(e.Component)))
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var pending = new Stack<string>([e.Id]);
            while (pending.Count > 0)
            {
                if (!byId.TryGetValue(pending.Pop(), out var current))
                {
                    continue;
                }

                foreach (var (stream, _, _) in current.Inputs)
                {
                    if (!seen.Add(stream.ComponentId) || !byId.TryGetValue(stream.ComponentId, out var source))
                    {
                        continue;
                    }

                    if (source.Component is State.ICheckpointableSpout { IsCheckpointable: true })
                    {
                        yield return $"component '{e.Id}': a stateful windowed bolt without persistence reads from the checkpointable spout " +
                            $"'{source.Id}', whose recovery would not replay what the windows held; call WithPersistence() on the bolt";
                    }
                    else if (!source.IsSpout)
                    {
                        pending.Push(source.Id);
                    }
                }
            }
        }
    }

    private BoltDeclarer AddStateful(string id, IRichBolt bolt, Type stateType, int parallelismHint)
    {
        if (!State.StateFactory.IsSupported(stateType))
        {
            throw new ArgumentException($"bolt '{id}' keeps {stateType.Name}; stateful bolts keep KeyValueState<TKey, TValue>", nameof(bolt));
        }

        var entry = new Entry(id, new State.StatefulBoltExecutor(bolt, stateType), false, parallelismHint);
        _entries.Add(entry);
        return new BoltDeclarer(entry);
    }

    /// <summary>
    /// The entries of a topology with stateful bolts, as Storm's builder wires them: a checkpoint spout; every other
    /// bolt wrapped to pass checkpoints on; checkpointable spouts wrapped to record positions; and each bolt subscribed
    /// (all grouping) to the checkpoint stream of each component it reads, the checkpoint spout standing in for a
    /// spout that is not checkpointable and joining one that is. The builder's own entries are left as they are.
    /// </summary>
    private static List<Entry> WithCheckpoints(List<Entry> entries)
    {
        var result = new List<Entry>();
        var checkpointable = new HashSet<string>(StringComparer.Ordinal);
        var spouts = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in entries)
        {
            IComponent component = e.Component;
            if (e.IsSpout)
            {
                spouts.Add(e.Id);
                if (component is State.ICheckpointableSpout { IsCheckpointable: true } c)
                {
                    checkpointable.Add(e.Id);
                    component = new State.CheckpointingSpout(c);
                }
            }
            else if (component is not State.StatefulBoltExecutor)
            {
                component = new State.CheckpointTupleForwarder(component as IRichBolt ?? new State.BasicBoltAdapter((IBasicBolt)component));
            }

            var copy = new Entry(e.Id, component, e.IsSpout, e.Parallelism) { NumTasks = e.NumTasks };
            foreach (var kv in e.Config)
            {
                copy.Config[kv.Key] = kv.Value;
            }

            copy.Inputs.AddRange(e.Inputs);
            result.Add(copy);
        }

        foreach (var e in result.Where(e => !e.IsSpout))
        {
            var sources = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var (stream, _, _) in e.Inputs)
            {
                var source = stream.ComponentId;
                if (!spouts.Contains(source))
                {
                    sources.Add(source);
                    continue;
                }

                sources.Add(Utils.CheckpointComponentId);
                if (checkpointable.Contains(source))
                {
                    sources.Add(source);
                }
            }

            foreach (var source in sources)
            {
                e.Inputs.Add((new GlobalStreamId(source, Utils.CheckpointStreamId), new Grouping(GroupingType.All), null));
            }
        }

        result.Insert(0, new Entry(Utils.CheckpointComponentId, new State.CheckpointSpout(), true, 1));
        return result;
    }

    internal sealed class Entry(string id, IComponent component, bool isSpout, int parallelism)
    {
        public string Id { get; } = id;

        public IComponent Component { get; } = component;

        public bool IsSpout { get; } = isSpout;

        public int Parallelism { get; } = parallelism;

        public int? NumTasks { get; set; }

        public Dictionary<string, object?> Config { get; } = new(StringComparer.Ordinal);

        public List<(GlobalStreamId Stream, Grouping? Grouping, ICustomStreamGrouping? Custom)> Inputs { get; } = [];
    }

    private sealed class OutputsDeclarer : IOutputFieldsDeclarer, State.ISystemStreamDeclarer
    {
        public void DeclareSystemStream(string streamId, Fields fields)
        {
            if (!Streams.TryAdd(streamId, new StreamDeclaration(streamId, fields, false)))
            {
                Problems.Add($"declares stream '{streamId}' twice");
            }
        }

        public Dictionary<string, StreamDeclaration> Streams { get; } = new(StringComparer.Ordinal);

        public List<string> Problems { get; } = [];

        public void Declare(Fields fields) => DeclareStream(Utils.DefaultStreamId, false, fields);

        public void Declare(bool direct, Fields fields) => DeclareStream(Utils.DefaultStreamId, direct, fields);

        public void DeclareStream(string streamId, Fields fields) => DeclareStream(streamId, false, fields);

        public void DeclareStream(string streamId, bool direct, Fields fields)
        {
            if (string.IsNullOrEmpty(streamId))
            {
                Problems.Add("declares a stream with an empty id");
                return;
            }

            if (Utils.IsReservedId(streamId))
            {
                Problems.Add($"declares stream '{streamId}', but ids starting with \"__\" are reserved for the engine");
                return;
            }

            if (fields is null)
            {
                Problems.Add($"declares stream '{streamId}' without fields");
                return;
            }

            if (!Streams.TryAdd(streamId, new StreamDeclaration(streamId, fields, direct)))
            {
                Problems.Add($"declares stream '{streamId}' twice");
            }
        }
    }
}
