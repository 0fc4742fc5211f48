using System.Collections;
using System.Collections.Concurrent;
using StormSharp.Runtime.Serialization;
using StormSharp.Topology;

namespace StormSharp.Nimbus.Internal;

internal sealed partial class NimbusCore
{
    private readonly ConcurrentDictionary<string, (IReadOnlySet<string> Users, IReadOnlySet<string> ReadOnly)> _access = new(StringComparer.Ordinal);

    /// <summary>Who the topology named by <paramref name="name"/> or <paramref name="id"/> lets in; NOT_FOUND when none runs.</summary>
    public async Task<TopologyAccess> AccessAsync(string name, string id, CancellationToken ct)
    {
        var (topologyId, stormBase) = await ResolveAsync(name, id, ct).ConfigureAwait(false);
        var b = stormBase.Value;
        if (!_access.TryGetValue(b.DocumentKey, out var lists))
        {
            var (_, conf) = TopologyDocument.Read(await ReadDocumentAsync(b, ct).ConfigureAwait(false));
            lists = (Principals(conf, Config.TopologyUsers), Principals(conf, Config.TopologyReadOnlyUsers));
            if (_access.Count > 1024)
            {
                _access.Clear();
            }

            _access[b.DocumentKey] = lists;
        }

        return new TopologyAccess(topologyId, b.Name, b.Owner, lists.Users, lists.ReadOnly);
    }

    private static HashSet<string> Principals(IReadOnlyDictionary<string, object?> conf, string key) =>
        conf.TryGetValue(key, out var v) ? v switch
        {
            string s when s.Length > 0 => new HashSet<string>([s], StringComparer.Ordinal),
            IEnumerable list and not string => new HashSet<string>(list.OfType<string>().Where(s => s.Length > 0), StringComparer.Ordinal),
            _ => new HashSet<string>(StringComparer.Ordinal),
        }
        : new HashSet<string>(StringComparer.Ordinal);
}
