using StormSharp.Topology;

namespace StormSharp.Packaging.TestAssets;

/// <summary>Types of every shape the inspector must tell apart.</summary>
public static class Shapes
{
    /// <summary>A custom grouping that sends every tuple to the first task.</summary>
    public sealed class FirstTaskGrouping : ICustomStreamGrouping
    {
        private IReadOnlyList<int> _targets = [];

        public void Prepare(TopologyContext context, GlobalStreamId stream, IReadOnlyList<int> targetTasks) => _targets = targetTasks;

        public IReadOnlyList<int> ChooseTasks(int taskId, IReadOnlyList<object?> values) => [_targets[0]];
    }

    /// <summary>A bolt that cannot be instantiated.</summary>
    public abstract class AbstractBolt : BaseBasicBolt
    {
    }

    /// <summary>A bolt generic in its payload, as some libraries write them.</summary>
    public sealed class GenericBolt<T> : BaseBasicBolt
    {
        public override void Execute(ITuple input, IBasicOutputCollector collector)
        {
        }

        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
        {
        }
    }

    /// <summary>Named like Storm's spout interface but not it.</summary>
    public interface ISpout
    {
    }

    /// <summary>Implements the look-alike, not the real one.</summary>
    public sealed class ImpostorSpout : ISpout
    {
    }
}
