using System.Collections;

namespace StormSharp.Topology;

/// <summary>The values of one tuple, in the order of its stream's <see cref="Fields"/>.</summary>
/// <remarks>
/// Emitting a tuple is the hottest allocation in a topology, so <c>new Values(a)</c> and <c>new Values(a, b)</c> are
/// one small object: the compiler passes the arguments as a span, and up to two values are kept in the object itself.
/// An array passed as such (<c>new Values(array)</c>) becomes the storage, without a copy. The engine passes the list
/// by reference to every task in the same worker: do not change it after emitting it.
/// </remarks>
public sealed class Values : IList<object?>, IReadOnlyList<object?>
{
    private const int Inline = 2;

    // Up to two values live in _first and _rest; past that, or once edited in the middle, they all live in an array
    // kept in _rest (_spilled). One field for both keeps the object at 40 bytes: it is allocated once per emit.
    private object? _first;
    private object? _rest;
    private int _count;
    private bool _spilled;

    /// <summary>An empty tuple; add values with <see cref="Add"/> or a collection initializer.</summary>
    public Values()
    {
    }

    /// <summary>A tuple of <paramref name="values"/>; the array becomes the tuple's storage.</summary>
    public Values(params object?[] values)
    {
        var items = values ?? [null];
        _rest = items;
        _spilled = true;
        _count = items.Length;
    }

    /// <summary>A tuple of <paramref name="values"/>, copied: into the object itself when there are one or two.</summary>
    public Values(params ReadOnlySpan<object?> values)
    {
        _count = values.Length;
        if (values.Length > Inline)
        {
            _rest = values.ToArray();
            _spilled = true;
            return;
        }

        if (values.Length > 0)
        {
            _first = values[0];
        }

        if (values.Length > 1)
        {
            _rest = values[1];
        }
    }

    /// <inheritdoc/>
    public int Count => _count;

    /// <inheritdoc/>
    public bool IsReadOnly => false;

    /// <inheritdoc cref="IList{T}.this"/>
    public object? this[int index]
    {
        get
        {
            if ((uint)index >= (uint)_count)
            {
                throw new ArgumentOutOfRangeException(nameof(index));
            }

            return _spilled ? Items[index] : index == 0 ? _first : _rest;
        }

        set
        {
            if ((uint)index >= (uint)_count)
            {
                throw new ArgumentOutOfRangeException(nameof(index));
            }

            if (_spilled)
            {
                Items[index] = value;
            }
            else if (index == 0)
            {
                _first = value;
            }
            else
            {
                _rest = value;
            }
        }
    }

    /// <inheritdoc/>
    public void Add(object? item)
    {
        if (!_spilled && _count < Inline)
        {
            if (_count == 0)
            {
                _first = item;
            }
            else
            {
                _rest = item;
            }

            _count++;
            return;
        }

        var items = Spill();
        if (_count == items.Length)
        {
            Array.Resize(ref items, Math.Max(4, _count * 2));
            _rest = items;
        }

        items[_count++] = item;
    }

    /// <inheritdoc/>
    public void Clear()
    {
        if (_spilled)
        {
            Array.Clear(Items, 0, _count);
        }
        else
        {
            _rest = null;
        }

        _first = null;
        _count = 0;
    }

    /// <inheritdoc/>
    public bool Contains(object? item) => IndexOf(item) >= 0;

    /// <inheritdoc/>
    public void CopyTo(object?[] array, int arrayIndex)
    {
        ArgumentNullException.ThrowIfNull(array);
        if (_spilled)
        {
            Array.Copy(Items, 0, array, arrayIndex, _count);
            return;
        }

        for (var i = 0; i < _count; i++)
        {
            array[arrayIndex + i] = this[i];
        }
    }

    /// <inheritdoc/>
    public int IndexOf(object? item)
    {
        if (_spilled)
        {
            return Array.IndexOf(Items, item, 0, _count);
        }

        for (var i = 0; i < _count; i++)
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
        if ((uint)index > (uint)_count)
        {
            throw new ArgumentOutOfRangeException(nameof(index));
        }

        Spill();
        Add(null);
        var items = Items;
        Array.Copy(items, index, items, index + 1, _count - index - 1);
        items[index] = item;
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

        var items = Spill();
        _count--;
        Array.Copy(items, index + 1, items, index, _count - index);
        items[_count] = null;
    }

    /// <inheritdoc/>
    public IEnumerator<object?> GetEnumerator()
    {
        for (var i = 0; i < _count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc/>
    public override string ToString() => "[" + string.Join(", ", this) + "]";

    /// <summary>The array that holds every value once spilled.</summary>
    private object?[] Items => System.Runtime.CompilerServices.Unsafe.As<object?[]>(_rest!);

    /// <summary>Moves inline values into an array (for edits beyond appending); returns it.</summary>
    private object?[] Spill()
    {
        if (_spilled)
        {
            return Items;
        }

        var items = new object?[4];
        items[0] = _first;
        items[1] = _rest;
        _first = null;
        _rest = items;
        _spilled = true;
        return items;
    }
}
