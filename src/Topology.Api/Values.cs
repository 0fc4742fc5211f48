using System.Collections;

namespace StormSharp.Topology;

/// <summary>The values of one tuple, in the order of its stream's <see cref="Fields"/>.</summary>
/// <remarks>
/// <c>new Values(a, b)</c> keeps the argument array as its storage (one allocation for the array, one for this
/// object, no copy): emitting a tuple is the hottest allocation in a topology. The engine passes the list by
/// reference to every task in the same worker: do not change it after emitting it.
/// </remarks>
public sealed class Values : IList<object?>, IReadOnlyList<object?>
{
    private object?[] _items;
    private int _count;

    /// <summary>An empty tuple; add values with <see cref="Add"/> or a collection initializer.</summary>
    public Values()
    {
        _items = [];
    }

    /// <summary>A tuple of <paramref name="values"/>; the array becomes the tuple's storage.</summary>
    public Values(params object?[] values)
    {
        _items = values ?? [null];
        _count = _items.Length;
    }

    /// <inheritdoc/>
    public int Count => _count;

    /// <inheritdoc/>
    public bool IsReadOnly => false;

    /// <inheritdoc cref="IList{T}.this"/>
    public object? this[int index]
    {
        get => (uint)index < (uint)_count ? _items[index] : throw new ArgumentOutOfRangeException(nameof(index));
        set
        {
            if ((uint)index >= (uint)_count)
            {
                throw new ArgumentOutOfRangeException(nameof(index));
            }

            _items[index] = value;
        }
    }

    /// <inheritdoc/>
    public void Add(object? item)
    {
        if (_count == _items.Length)
        {
            Array.Resize(ref _items, Math.Max(4, _count * 2));
        }

        _items[_count++] = item;
    }

    /// <inheritdoc/>
    public void Clear()
    {
        Array.Clear(_items, 0, _count);
        _count = 0;
    }

    /// <inheritdoc/>
    public bool Contains(object? item) => IndexOf(item) >= 0;

    /// <inheritdoc/>
    public void CopyTo(object?[] array, int arrayIndex) => Array.Copy(_items, 0, array, arrayIndex, _count);

    /// <inheritdoc/>
    public int IndexOf(object? item) => Array.IndexOf(_items, item, 0, _count);

    /// <inheritdoc/>
    public void Insert(int index, object? item)
    {
        if ((uint)index > (uint)_count)
        {
            throw new ArgumentOutOfRangeException(nameof(index));
        }

        Add(null);
        Array.Copy(_items, index, _items, index + 1, _count - index - 1);
        _items[index] = item;
    }

    /// <inheritdoc/>
    public bool Remove(object? item)
    {
        var i = IndexOf(item);
        if (i < 0)
        {
            return false;
        }

        RemoveAt(i);
        return true;
    }

    /// <inheritdoc/>
    public void RemoveAt(int index)
    {
        if ((uint)index >= (uint)_count)
        {
            throw new ArgumentOutOfRangeException(nameof(index));
        }

        _count--;
        Array.Copy(_items, index + 1, _items, index, _count - index);
        _items[_count] = null;
    }

    /// <inheritdoc/>
    public IEnumerator<object?> GetEnumerator()
    {
        for (var i = 0; i < _count; i++)
        {
            yield return _items[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc/>
    public override string ToString() => "[" + string.Join(", ", this) + "]";
}
