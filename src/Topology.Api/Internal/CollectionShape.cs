using System.Collections;
using System.Reflection;

namespace StormSharp.Topology.Internal;

/// <summary>
/// A framework collection a component may hold, found on the type itself or on a base type (a user subclass):
/// how to enumerate it, how to rebuild it with its comparer, and how to add its items back in order.
/// </summary>
internal sealed class CollectionShape
{
    private readonly MethodInfo? _add;

    private CollectionShape(Type collection, Type item, Type? value, ComparerRole comparer, string? addMethod)
    {
        Collection = collection;
        Item = item;
        Value = value;
        Comparer = comparer;
        _add = addMethod is null ? null : collection.GetMethod(addMethod, BindingFlags.Instance | BindingFlags.Public, [item])
            ?? throw new InvalidOperationException($"{collection} has no {addMethod}({item})");
    }

    public enum ComparerRole
    {
        None,
        Equality,
        Ordering,
    }

    /// <summary>The constructed framework type (e.g. Dictionary&lt;string,int&gt;); the value's type or one of its bases.</summary>
    public Type Collection { get; }

    /// <summary>The element type, or the key type of a dictionary.</summary>
    public Type Item { get; }

    /// <summary>The value type of a dictionary; null for other collections.</summary>
    public Type? Value { get; }

    public ComparerRole Comparer { get; }

    public bool IsDictionary => Value is not null;

    /// <summary>The type the comparer must implement: IEqualityComparer&lt;T&gt; or IComparer&lt;T&gt;.</summary>
    public Type? ComparerInterface => Comparer switch
    {
        ComparerRole.Equality => typeof(IEqualityComparer<>).MakeGenericType(Item),
        ComparerRole.Ordering => typeof(IComparer<>).MakeGenericType(Item),
        _ => null,
    };

    public static CollectionShape? Of(Type type)
    {
        for (var t = type; t is not null && t != typeof(object); t = t.BaseType)
        {
            if (!t.IsGenericType || t.ContainsGenericParameters)
            {
                continue;
            }

            var def = t.GetGenericTypeDefinition();
            var args = t.GetGenericArguments();
            if (def == typeof(List<>))
            {
                return new CollectionShape(t, args[0], null, ComparerRole.None, "Add");
            }

            if (def == typeof(HashSet<>))
            {
                return new CollectionShape(t, args[0], null, ComparerRole.Equality, "Add");
            }

            if (def == typeof(SortedSet<>))
            {
                return new CollectionShape(t, args[0], null, ComparerRole.Ordering, "Add");
            }

            if (def == typeof(Queue<>))
            {
                return new CollectionShape(t, args[0], null, ComparerRole.None, "Enqueue");
            }

            if (def == typeof(Stack<>))
            {
                return new CollectionShape(t, args[0], null, ComparerRole.None, "Push");
            }

            if (def == typeof(Dictionary<,>))
            {
                return new CollectionShape(t, args[0], args[1], ComparerRole.Equality, null);
            }

            if (def == typeof(SortedDictionary<,>) || def == typeof(SortedList<,>))
            {
                return new CollectionShape(t, args[0], args[1], ComparerRole.Ordering, null);
            }
        }

        return null;
    }

    /// <summary>The comparer the collection was built with; null when it has none.</summary>
    public object? ComparerOf(object collection) =>
        Comparer == ComparerRole.None ? null : Collection.GetProperty("Comparer")!.GetValue(collection);

    /// <summary>The items in the order that Add must see them to rebuild the same collection.</summary>
    public List<object?> ItemsOf(object collection)
    {
        var items = new List<object?>();
        if (IsDictionary)
        {
            foreach (DictionaryEntry e in (IDictionary)collection)
            {
                items.Add(e.Key);
                items.Add(e.Value);
            }

            return items;
        }

        foreach (var item in (IEnumerable)collection)
        {
            items.Add(item);
        }

        // A stack enumerates from the top; pushing back in that order would turn it upside down.
        if (Collection.GetGenericTypeDefinition() == typeof(Stack<>))
        {
            items.Reverse();
        }

        return items;
    }

    /// <summary>
    /// Runs the framework constructor on <paramref name="instance"/> (a subclass instance created without its own
    /// constructor), passing the comparer when there is one, so subclasses need no particular constructor.
    /// </summary>
    public void Construct(object instance, object? comparer)
    {
        var ctor = ComparerInterface is { } ci ? Collection.GetConstructor([ci]) : Collection.GetConstructor(Type.EmptyTypes);
        ctor!.Invoke(instance, ComparerInterface is null ? [] : [comparer]);
    }

    public void Add(object collection, object? item) => _add!.Invoke(collection, [item]);

    /// <summary>Adds a dictionary entry; a duplicate key (only in a state not written by the writer) is an error.</summary>
    public void Add(object collection, object key, object? value) => ((IDictionary)collection).Add(key, value);
}
