namespace StormSharp.ZooKeeper.Internal;

/// <summary>
/// The client's record of the watches the server holds for this session, keyed by client path.
/// Registered on the reader loop when the reply arrives, so a later notification always finds it.
/// </summary>
internal sealed class WatchManager
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, HashSet<Action<WatchedEvent>>> _data = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<Action<WatchedEvent>>> _exists = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<Action<WatchedEvent>>> _children = new(StringComparer.Ordinal);

    public void Register(WatchKind kind, string path, Action<WatchedEvent> watcher)
    {
        var map = kind switch
        {
            WatchKind.Data => _data,
            WatchKind.Exists => _exists,
            WatchKind.Children => _children,
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        lock (_lock)
        {
            if (!map.TryGetValue(path, out var set))
            {
                set = [];
                map[path] = set;
            }

            set.Add(watcher);
        }
    }

    /// <summary>Removes and returns the watchers an event triggers: watches are one-shot.</summary>
    public List<Action<WatchedEvent>> Materialize(EventType type, string path)
    {
        var result = new List<Action<WatchedEvent>>();
        lock (_lock)
        {
            switch (type)
            {
                case EventType.NodeCreated:
                case EventType.NodeDataChanged:
                    Take(_data, path, result);
                    Take(_exists, path, result);
                    break;
                case EventType.NodeChildrenChanged:
                    Take(_children, path, result);
                    break;
                case EventType.NodeDeleted:
                    Take(_data, path, result);
                    Take(_exists, path, result);
                    Take(_children, path, result);
                    break;
                default:
                    break;
            }
        }

        return result;
    }

    public bool IsEmpty
    {
        get
        {
            lock (_lock)
            {
                return _data.Count == 0 && _exists.Count == 0 && _children.Count == 0;
            }
        }
    }

    /// <summary>The paths to re-arm on a new connection of the same session.</summary>
    public (List<string> Data, List<string> Exists, List<string> Children) Paths()
    {
        lock (_lock)
        {
            return ([.. _data.Keys], [.. _exists.Keys], [.. _children.Keys]);
        }
    }

    /// <summary>Forgets every watch (the session is gone) and returns each watcher once.</summary>
    public List<Action<WatchedEvent>> Clear()
    {
        var all = new HashSet<Action<WatchedEvent>>();
        lock (_lock)
        {
            foreach (var map in new[] { _data, _exists, _children })
            {
                foreach (var set in map.Values)
                {
                    all.UnionWith(set);
                }

                map.Clear();
            }
        }

        return [.. all];
    }

    private static void Take(Dictionary<string, HashSet<Action<WatchedEvent>>> map, string path, List<Action<WatchedEvent>> into)
    {
        if (map.Remove(path, out var set))
        {
            foreach (var w in set)
            {
                if (!into.Contains(w))
                {
                    into.Add(w);
                }
            }
        }
    }
}
