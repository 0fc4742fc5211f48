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

    /// <summary>Adds a rich bolt run by <paramref name="parallelismHint"/> executors (default 1).</summary>
    public BoltDeclarer SetBolt(string id, IRichBolt bolt, int parallelismHint = 1)
    {
        ArgumentNullException.ThrowIfNull(bolt);
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
    /// configuration (<see cref="Windowing.BaseWindowedBolt"/>) describes and acked as they leave every window.
    /// </summary>
    public BoltDeclarer SetBolt(string id, Windowing.IWindowedBolt bolt, int parallelismHint = 1)
    {
        ArgumentNullException.ThrowIfNull(bolt);
        var entry = new Entry(id, new Windowing.WindowedBoltExecutor(bolt), false, parallelismHint);
        _entries.Add(entry);
        return new BoltDeclarer(entry);
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
        foreach (var e in _entries.Where(e => e.IsSpout).Concat(_entries.Where(e => !e.IsSpout)))
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

    private sealed class OutputsDeclarer : IOutputFieldsDeclarer
    {
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
