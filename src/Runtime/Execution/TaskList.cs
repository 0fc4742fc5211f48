using System.Collections;

namespace StormSharp.Runtime.Execution;

/// <summary>The task ids an emit went to: a view over the emitter's reused buffer, valid until its next emit.</summary>
internal sealed class TaskList(int capacity) : IReadOnlyList<int>
{
    public int[] Buffer { get; } = new int[Math.Max(1, capacity)];

    public int Count { get; set; }

    public int this[int index] => (uint)index < (uint)Count ? Buffer[index] : throw new ArgumentOutOfRangeException(nameof(index));

    public IEnumerator<int> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return Buffer[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
