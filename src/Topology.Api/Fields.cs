using System.Collections;

namespace StormSharp.Topology;

/// <summary>
/// The ordered names of the values of the tuples on one stream. Immutable; lookups by name are O(1).
/// </summary>
public sealed class Fields : IReadOnlyList<string>, IEquatable<Fields>
{
    private readonly string[] _names;
    private readonly Dictionary<string, int> _index;

    /// <summary>Creates the field list; names must be distinct and non-empty.</summary>
    public Fields(params string[] names)
        : this((IEnumerable<string>)names)
    {
    }

    /// <summary>Creates the field list; names must be distinct and non-empty.</summary>
    public Fields(IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        _names = names.ToArray();
        _index = new Dictionary<string, int>(_names.Length, StringComparer.Ordinal);
        for (var i = 0; i < _names.Length; i++)
        {
            if (string.IsNullOrEmpty(_names[i]))
            {
                throw new ArgumentException($"field {i} has an empty name", nameof(names));
            }

            if (!_index.TryAdd(_names[i], i))
            {
                throw new ArgumentException($"field '{_names[i]}' is declared twice", nameof(names));
            }
        }
    }

    /// <summary>The number of fields.</summary>
    public int Count => _names.Length;

    /// <summary>The name at <paramref name="index"/>.</summary>
    public string this[int index] => _names[index];

    /// <summary>The position of <paramref name="field"/>; throws <see cref="ArgumentException"/> naming the field when absent.</summary>
    public int FieldIndex(string field)
    {
        if (_index.TryGetValue(field, out var i))
        {
            return i;
        }

        throw new ArgumentException($"field '{field}' does not exist; fields are [{string.Join(", ", _names)}]", nameof(field));
    }

    /// <summary>Whether <paramref name="field"/> is one of these fields.</summary>
    public bool Contains(string field) => _index.ContainsKey(field);

    /// <summary>The values of <paramref name="selector"/>'s fields, picked out of <paramref name="tuple"/> (a tuple of these fields).</summary>
    public List<object?> Select(Fields selector, IReadOnlyList<object?> tuple)
    {
        ArgumentNullException.ThrowIfNull(selector);
        ArgumentNullException.ThrowIfNull(tuple);
        var result = new List<object?>(selector.Count);
        foreach (var name in selector._names)
        {
            result.Add(tuple[FieldIndex(name)]);
        }

        return result;
    }

    /// <summary>The names as a list.</summary>
    public IReadOnlyList<string> ToList() => _names;

    /// <inheritdoc/>
    public IEnumerator<string> GetEnumerator() => ((IEnumerable<string>)_names).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _names.GetEnumerator();

    /// <inheritdoc/>
    public bool Equals(Fields? other) => other is not null && _names.AsSpan().SequenceEqual(other._names);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as Fields);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = default(HashCode);
        foreach (var n in _names)
        {
            hash.Add(n);
        }

        return hash.ToHashCode();
    }

    /// <inheritdoc/>
    public override string ToString() => "[" + string.Join(", ", _names) + "]";
}
