namespace StormSharp.Topology;

/// <summary>The checks a topology passes before it is accepted by a cluster.</summary>
public static class TopologyValidator
{
    private static readonly char[] ForbiddenNameChars = ['/', '.', ':', '\\'];

    /// <summary>Every problem with <paramref name="topology"/> submitted as <paramref name="name"/>, one sentence each; empty when it can run.</summary>
    public static IReadOnlyList<string> Validate(string name, StormTopology topology)
    {
        ArgumentNullException.ThrowIfNull(topology);
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(name))
        {
            problems.Add("the topology name is empty");
        }
        else if (name.IndexOfAny(ForbiddenNameChars) >= 0)
        {
            problems.Add($"the topology name '{name}' contains one of / . : \\, which are not allowed");
        }

        if (!topology.Components.Any(c => c.IsSpout))
        {
            problems.Add("the topology has no spout");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in topology.Components)
        {
            if (string.IsNullOrWhiteSpace(c.Id))
            {
                problems.Add("a component has an empty id");
                continue;
            }

            if (!seen.Add(c.Id))
            {
                problems.Add($"component id '{c.Id}' is used by more than one component");
            }

            if (Utils.IsReservedId(c.Id) && !(c.Id == Utils.CheckpointComponentId && c.IsSpout && c.Component.TypeName.StartsWith(typeof(State.CheckpointSpout).FullName + ",", StringComparison.Ordinal)))
            {
                problems.Add($"component id '{c.Id}' is reserved: ids starting with \"__\" (such as {Utils.AckerComponentId}, {Utils.SystemComponentId}, {Utils.TickStreamId}) belong to the engine");
            }

            if (c.Parallelism <= 0)
            {
                problems.Add($"component '{c.Id}' has parallelism {c.Parallelism}; it must be at least 1");
            }

            if (c.NumTasks <= 0 && c.Parallelism > 0)
            {
                problems.Add($"component '{c.Id}' has {c.NumTasks} tasks; it must have at least 1");
            }

            var subscribed = new HashSet<GlobalStreamId>();
            foreach (var input in c.Inputs)
            {
                ValidateInput(topology, c, input, problems);
                if (!subscribed.Add(input.Stream))
                {
                    problems.Add($"component '{c.Id}' subscribes to {input.Stream} more than once");
                }
            }
        }

        return problems;
    }

    /// <summary>Throws <see cref="InvalidTopologyException"/> listing every problem, if there are any.</summary>
    public static void ThrowIfInvalid(string name, StormTopology topology)
    {
        var problems = Validate(name, topology);
        if (problems.Count > 0)
        {
            throw new InvalidTopologyException(problems);
        }
    }

    private static void ValidateInput(StormTopology topology, ComponentDeclaration bolt, InputDeclaration input, List<string> problems)
    {
        var (sourceId, streamId) = (input.Stream.ComponentId, input.Stream.StreamId);
        if (!topology.ById.TryGetValue(sourceId, out var source))
        {
            problems.Add($"component '{bolt.Id}' subscribes to unknown component '{sourceId}'");
            return;
        }

        if (!source.Outputs.TryGetValue(streamId, out var stream))
        {
            var declared = source.Outputs.Count == 0 ? "none" : string.Join(", ", source.Outputs.Keys.Select(k => "'" + k + "'"));
            problems.Add($"component '{bolt.Id}' subscribes to stream '{streamId}' of '{sourceId}', which does not declare it (declared: {declared})");
            return;
        }

        var grouping = input.Grouping;
        if (grouping.Type is GroupingType.Fields or GroupingType.PartialKey)
        {
            if (grouping.Fields is null || grouping.Fields.Count == 0)
            {
                problems.Add($"component '{bolt.Id}' groups {input.Stream} by fields but names none");
            }
            else
            {
                foreach (var f in grouping.Fields)
                {
                    if (!stream.Fields.Contains(f))
                    {
                        problems.Add($"component '{bolt.Id}' groups {input.Stream} on field '{f}', which the stream does not declare (its fields are {stream.Fields})");
                    }
                }
            }
        }

        if (grouping.Type == GroupingType.Direct && !stream.Direct)
        {
            problems.Add($"component '{bolt.Id}' uses a direct grouping on {input.Stream}, which is not declared direct");
        }
        else if (grouping.Type != GroupingType.Direct && stream.Direct)
        {
            problems.Add($"component '{bolt.Id}' subscribes to direct stream {input.Stream} with a {grouping.Type} grouping; direct streams need a direct grouping");
        }
    }
}
