using System.Collections;

namespace StormSharp.Topology;

/// <summary>The values of one tuple, in the order of its stream's <see cref="Fields"/>.</summary>
/// <remarks>
/// Emitting a tuple is the hottest allocation in a topology, so <c>new Values(a)</c> and <c>new Values(a, b)</c> are
/// one small object (32 bytes): the compiler passes the arguments as a span, and up to two values are kept in the
/// object itself. An array passed as such (<c>new Values(array)</c>) becomes the storage, without a copy. The engine passes the list
/// by reference to every task in the same worker: do not change it after emitting it.
/// </remarks>
public sealed class Values : IList<object?>, IReadOnlyList<object?>
{
    // _rest tells how the values are kept: None (no values), One (one, in _first), Spilled (all of them in the array in
    // _first, exactly as long as the tuple), or else it is the second of two values, the first being in _first. The
    // markers are private objects, so no value of the user's is taken for one. Two fields keep the object at 32 bytes:
    // it is allocated once per emit.
    private static readonly object None = new();
    private static readonly object One = new();
    private static readonly object Spilled = new();

    private object? _first;
    private object? _rest;

    /// <summary>An empty tuple; add values with <see cref="Add"/> or a collection initializer.</summary>
    public Values()
    {
        _rest = None;
    }

    /// <summary>A tuple of <paramref name="values"/>; the array becomes the tuple's storage.</summary>
    public Values(params object?[] values)
    {
        _first = values ?? [null];
        _rest = Spilled;
    }

    /// <summary>A tuple of <paramref name="values"/>, copied: into the object itself when there are one or two.</summary>
    public Values(params ReadOnlySpan<object?> values)
    {
        switch (values.Length)
        {
            case 0:
                _rest = None;
                break;
            case 1:
                _first = values[0];
                _rest = One;
                break;
            case 2:
                _first = values[0];
                _rest = values[1];
                break;
            default:
                _first = values.ToArray();
                _rest = Spilled;
                break;
        }
    }

    /// <inheritdoc/>
    public int Count
    {
        get
        {
            var rest = _rest;
            if (rest == One)
            {
                return 1;
            }

            if (rest == None)
            {
                return 0;
            }

            return rest == Spilled ? Items.Length : 2;
        }
    }

    /// <inheritdoc/>
    public bool IsReadOnly => false;

    /// <inheritdoc cref="IList{T}.this"/>
    public object? this[int index]
    {
        get
        {
            var rest = _rest;
            if (rest == Spilled)
            {
                var items = Items;
                return (uint)index < (uint)items.Length ? items[index] : throw OutOfRange(index);
            }

            if (index == 0 && rest != None)
            {
                return _first;
            }

            return index == 1 && rest != One && rest != None ? rest : throw OutOfRange(index);
        }

        set
        {
            var rest = _rest;
            if (rest == Spilled)
            {
                var items = Items;
                if ((uint)index >= (uint)items.Length)
                {
                    throw OutOfRange(index);
                }

                items[index] = value;
            }
            else if (index == 0 && rest != None)
            {
                _first = value;
            }
            else if (index == 1 && rest != One && rest != None)
            {
                _rest = value;
            }
            else
            {
                throw OutOfRange(index);
            }
        }
    }

    /// <inheritdoc/>
    public void Add(object? item)
    {
        var rest = _rest;
        if (rest == None)
        {
            _first = item;
            _rest = One;
        }
        else if (rest == One)
        {
            _rest = item;
        }
        else if (rest == Spilled)
        {
            // Kept exactly as long as the tuple, so the array's length is the count: tuples are built once, not grown.
            var items = Items;
            Array.Resize(ref items, items.Length + 1);
            items[^1] = item;
            _first = items;
        }
        else
        {
            _first = new[] { _first, rest, item };
            _rest = Spilled;
        }
    }

    /// <inheritdoc/>
    public void Clear()
    {
        _first = null;
        _rest = None;
    }

    /// <inheritdoc/>
    public bool Contains(object? item) => IndexOf(item) >= 0;

    /// <inheritdoc/>
    public void CopyTo(object?[] array, int arrayIndex)
    {
        ArgumentNullException.ThrowIfNull(array);
        if (_rest == Spilled)
        {
            Array.Copy(Items, 0, array, arrayIndex, Items.Length);
            return;
        }

        var count = Count;
        for (var i = 0; i < count; i++)
        {
            array[arrayIndex + i] = this[i];
        }
    }

    /// <inheritdoc/>
    public int IndexOf(object? item)
    {
        if (_rest == Spilled)
        {
            return Array.IndexOf(Items, item);
        }

        var count = Count;
        for (var i = 0; i < count; i++)
        {
            if (Equals(this[i], item))
            {
                return i;
            }
        }

        return -1;
    }

    /// <inheritdoc/>
    public void Insert(int index, object? item)
    {
        var count = Count;
        if ((uint)index > (uint)count)
        {
            throw OutOfRange(index);
        }

        var items = new object?[count + 1];
        CopyTo(items, 0);
        Array.Copy(items, index, items, index + 1, count - index);
        items[index] = item;
        _first = items;
        _rest = Spilled;
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
        var count = Count;
        if ((uint)index >= (uint)count)
        {
            throw OutOfRange(index);
        }

        var items = new object?[count - 1];
        for (int from = 0, to = 0; from < count; from++)
        {
            if (from != index)
            {
                items[to++] = this[from];
            }
        }

        _first = items;
        _rest = Spilled;
    }

    /// <inheritdoc/>
    public IEnumerator<object?> GetEnumerator()
    {
        var count = Count;
        for (var i = 0; i < count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc/>
    public override string ToString() => "[" + string.Join(", ", this) + "]";

    /// <summary>The array that holds every value once spilled.</summary>
    private object?[] Items => System.Runtime.CompilerServices.Unsafe.As<object?[]>(_first!);

    private static ArgumentOutOfRangeException OutOfRange(int index) =>
        new(nameof(index), index, "no value at this index");
}
