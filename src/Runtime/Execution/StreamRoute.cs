using StormSharp.Runtime.Routing;
using StormSharp.Runtime.Tuples;

namespace StormSharp.Runtime.Execution;

/// <summary>Where one executor's tuples on one stream go: a grouper per subscribing component.</summary>
internal sealed class StreamRoute(StreamInfo stream, Grouper[] groupers, HashSet<int> directTargets, int maxTasks)
{
    public StreamInfo Stream { get; } = stream;

    public Grouper[] Groupers { get; } = groupers;

    /// <summary>Tasks subscribed with a direct grouping (EmitDirect targets).</summary>
    public HashSet<int> DirectTargets { get; } = directTargets;

    /// <summary>Scratch space for one grouper's choices.</summary>
    public int[] Scratch { get; } = new int[Math.Max(1, maxTasks)];
}
