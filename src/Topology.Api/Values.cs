namespace StormSharp.Topology;

/// <summary>The values of one tuple, in the order of its stream's <see cref="Fields"/>.</summary>
/// <remarks>The engine passes the list by reference to every task in the same worker: do not change it after emitting it.</remarks>
public sealed class Values : List<object?>
{
    /// <summary>An empty tuple.</summary>
    public Values()
    {
    }

    /// <summary>A tuple of <paramref name="values"/>.</summary>
    public Values(params object?[] values)
        : base(values)
    {
    }
}
