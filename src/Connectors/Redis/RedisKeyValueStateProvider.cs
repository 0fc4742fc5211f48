using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using StackExchange.Redis;
using StormSharp.Topology;
using StormSharp.Topology.State;

namespace StormSharp.Connectors.Redis;

/// <summary>
/// Checkpointed state in Redis (storm-redis's <c>RedisKeyValueStateProvider</c>): set
/// <c>topology.state.provider</c> to this type's assembly-qualified name and <c>topology.state.provider.config</c> to
/// a JSON object with <c>host</c>, <c>port</c> (default 6379), <c>password</c> and <c>database</c> (storm-redis's
/// <c>{"jedisPoolConfig": {...}}</c> form is read too). The state survives any worker or host; it is as durable as the
/// server's persistence settings.
/// </summary>
/// <remarks>
/// A namespace is four keys sharing one hash tag (so they live on one node of a Redis Cluster too):
/// <c>{stormsharp:state:&lt;topology&gt;:&lt;namespace&gt;}</c>, a hash of the committed entries, and
/// <c>...:meta</c> (the committed and prepared txids), <c>...:prepare</c> (the prepared values) and <c>...:deletes</c>
/// (the prepared deletions). A commit is one Lua script, which Redis runs atomically: no client ever reads a
/// checkpoint half applied. Connections are shared per server by the tasks of a worker.
/// </remarks>
public sealed class RedisKeyValueStateProvider : IStateProvider
{
    private const string CommitScript = """
        local p = redis.call('HGET', KEYS[2], 'prepared')
        if p ~= ARGV[1] then
          local c = redis.call('HGET', KEYS[2], 'txid')
          if c and tonumber(c) >= tonumber(ARGV[1]) then return 0 end
          return redis.error_reply('commit of checkpoint ' .. ARGV[1] .. ', but ' .. (p or 'none') .. ' is prepared')
        end
        local kv = redis.call('HGETALL', KEYS[3])
        for i = 1, #kv, 2 do redis.call('HSET', KEYS[1], kv[i], kv[i + 1]) end
        local dels = redis.call('SMEMBERS', KEYS[4])
        for i = 1, #dels do redis.call('HDEL', KEYS[1], dels[i]) end
        redis.call('HSET', KEYS[2], 'txid', ARGV[1])
        redis.call('HDEL', KEYS[2], 'prepared')
        redis.call('DEL', KEYS[3], KEYS[4])
        return 1
        """;

    private static readonly ConcurrentDictionary<string, Lazy<ConnectionMultiplexer>> Connections = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public IStateStore Open(string topologyName, string ns, IReadOnlyDictionary<string, object?> conf)
    {
        var options = Options(conf);
        var key = options.ToString(includePassword: true);
        var connection = Connections.GetOrAdd(key, _ => new Lazy<ConnectionMultiplexer>(() => ConnectionMultiplexer.Connect(options))).Value;
        return new Store(connection.GetDatabase(Database(conf)), $"{{stormsharp:state:{topologyName}:{ns}}}");
    }

    private static ConfigurationOptions Options(IReadOnlyDictionary<string, object?> conf)
    {
        var settings = Settings(conf);
        var host = settings.TryGetValue("host", out var h) ? h : "127.0.0.1";
        var port = settings.TryGetValue("port", out var p) ? int.Parse(p, CultureInfo.InvariantCulture) : 6379;
        var options = new ConfigurationOptions { AbortOnConnectFail = false, ConnectTimeout = 5000, SyncTimeout = 5000 };
        options.EndPoints.Add(host, port);
        if (settings.TryGetValue("password", out var password) && password.Length > 0)
        {
            options.Password = password;
        }

        return options;
    }

    private static int Database(IReadOnlyDictionary<string, object?> conf) =>
        Settings(conf).TryGetValue("database", out var d) ? int.Parse(d, CultureInfo.InvariantCulture) : 0;

    private static Dictionary<string, string> Settings(IReadOnlyDictionary<string, object?> conf)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (!conf.TryGetValue(Config.TopologyStateProviderConfig, out var raw) || raw is null)
        {
            return result;
        }

        JsonElement root;
        try
        {
            root = raw is string s ? JsonDocument.Parse(s).RootElement : JsonSerializer.SerializeToElement(raw);
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"'{Config.TopologyStateProviderConfig}' is not a JSON object: {e.Message}", e);
        }

        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("jedisPoolConfig", out var jedis))
        {
            root = jedis;
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidOperationException($"'{Config.TopologyStateProviderConfig}' must be a JSON object such as {{\"host\": \"127.0.0.1\", \"port\": 6379}}");
        }

        foreach (var property in root.EnumerateObject())
        {
            result[property.Name] = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText();
        }

        return result;
    }

    private sealed class Store(IDatabase db, string baseKey) : IStateStore
    {
        private readonly RedisKey _committed = baseKey;
        private readonly RedisKey _meta = baseKey + ":meta";
        private readonly RedisKey _prepare = baseKey + ":prepare";
        private readonly RedisKey _deletes = baseKey + ":deletes";

        public StoredState Load()
        {
            // One MULTI/EXEC: the four reads see one moment of the namespace.
            var tran = db.CreateTransaction();
            var committed = tran.HashGetAllAsync(_committed);
            var meta = tran.HashGetAllAsync(_meta);
            var prepare = tran.HashGetAllAsync(_prepare);
            var deletes = tran.SetMembersAsync(_deletes);
            if (!tran.Execute())
            {
                throw new InvalidOperationException($"reading state {baseKey} from Redis was aborted");
            }

            var m = meta.Result.ToDictionary(e => e.Name.ToString(), e => long.Parse(e.Value.ToString(), CultureInfo.InvariantCulture), StringComparer.Ordinal);
            long? preparedTxid = m.TryGetValue("prepared", out var p) ? p : null;
            Dictionary<string, string?>? prepared = null;
            if (preparedTxid is not null)
            {
                prepared = new Dictionary<string, string?>(StringComparer.Ordinal);
                foreach (var e in prepare.Result)
                {
                    prepared[e.Name.ToString()] = e.Value.ToString();
                }

                foreach (var d in deletes.Result)
                {
                    prepared[d.ToString()] = null;
                }
            }

            return new StoredState(
                committed.Result.ToDictionary(e => e.Name.ToString(), e => e.Value.ToString(), StringComparer.Ordinal),
                m.TryGetValue("txid", out var c) ? c : -1,
                preparedTxid,
                prepared);
        }

        public void Prepare(long txid, IReadOnlyDictionary<string, string?> changes)
        {
            var tran = db.CreateTransaction();
            _ = tran.KeyDeleteAsync([_prepare, _deletes]);
            var values = changes.Where(kv => kv.Value is not null).Select(kv => new HashEntry(kv.Key, kv.Value)).ToArray();
            if (values.Length > 0)
            {
                _ = tran.HashSetAsync(_prepare, values);
            }

            var deletes = changes.Where(kv => kv.Value is null).Select(kv => (RedisValue)kv.Key).ToArray();
            if (deletes.Length > 0)
            {
                _ = tran.SetAddAsync(_deletes, deletes);
            }

            _ = tran.HashSetAsync(_meta, "prepared", txid.ToString(CultureInfo.InvariantCulture));
            Execute(tran, "prepare");
        }

        public void Commit(long txid)
        {
            try
            {
                db.ScriptEvaluate(CommitScript, [_committed, _meta, _prepare, _deletes], [txid.ToString(CultureInfo.InvariantCulture)]);
            }
            catch (RedisServerException e)
            {
                throw new InvalidOperationException($"state {baseKey}: {e.Message}", e);
            }
        }

        public void CommitNow(IReadOnlyDictionary<string, string?> changes)
        {
            var tran = db.CreateTransaction();
            var values = changes.Where(kv => kv.Value is not null).Select(kv => new HashEntry(kv.Key, kv.Value)).ToArray();
            if (values.Length > 0)
            {
                _ = tran.HashSetAsync(_committed, values);
            }

            var deletes = changes.Where(kv => kv.Value is null).Select(kv => (RedisValue)kv.Key).ToArray();
            if (deletes.Length > 0)
            {
                _ = tran.HashDeleteAsync(_committed, deletes);
            }

            Execute(tran, "commit");
        }

        public void Rollback()
        {
            var tran = db.CreateTransaction();
            _ = tran.KeyDeleteAsync([_prepare, _deletes]);
            _ = tran.HashDeleteAsync(_meta, "prepared");
            Execute(tran, "rollback");
        }

        public void Dispose()
        {
        }

        private void Execute(ITransaction tran, string what)
        {
            if (!tran.Execute())
            {
                throw new InvalidOperationException($"the {what} of state {baseKey} in Redis was aborted");
            }
        }
    }
}
