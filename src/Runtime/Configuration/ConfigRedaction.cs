using System.Text.Json.Nodes;

namespace StormSharp.Runtime.Configuration;

/// <summary>
/// Hides the values of secret settings wherever a config leaves a process to be looked at: the UI's pages and REST
/// API, Nimbus's <c>GetTopologyConf</c>, log lines. A key is secret when its last dotted segment ends, in any case,
/// in <c>password</c>, <c>secret</c>, <c>token</c> or <c>key</c> (<c>kafka.sasl.password</c>, <c>storm.auth.secret</c>,
/// <c>storm.auth.worker.token</c>, <c>my.api.key</c>, <c>aws.accessKey</c>), or is one of Storm's ZooKeeper digest
/// payloads (<c>storm.zookeeper.auth.payload</c>, <c>storm.zookeeper.topology.auth.payload</c>, which hold
/// <c>user:password</c>). Its value, whatever its type, shows as <see cref="Mask"/>; maps inside a config are
/// redacted key by key the same way.
/// </summary>
/// <remarks>
/// Only the last segment counts, so a setting that names a file holding a secret is not hidden:
/// <c>storm.tls.key.path</c> and <c>storm.auth.secret.file</c> end in <c>path</c> and <c>file</c>, and a path tells
/// an onlooker where the secret is, not what it is (the file's own permissions protect it). A null value stays
/// null, so an unset secret still reads as unset. The real values are never changed: every function returns a copy.
/// </remarks>
internal static class ConfigRedaction
{
    /// <summary>What a secret's value shows as.</summary>
    public const string Mask = "*****";

    private static readonly string[] SecretEndings = ["password", "secret", "token", "key"];

    private static readonly HashSet<string> SecretKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        ClusterKeys.ZooKeeperAuthPayload,
        "storm.zookeeper.topology.auth.payload",
    };

    /// <summary>Whether the value of <paramref name="key"/> is a secret to hide.</summary>
    public static bool IsSecret(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (SecretKeys.Contains(key))
        {
            return true;
        }

        var last = key.AsSpan(key.LastIndexOf('.') + 1);
        foreach (var ending in SecretEndings)
        {
            if (last.EndsWith(ending, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A copy of <paramref name="conf"/> with every secret's value replaced by <see cref="Mask"/>, nested maps included.</summary>
    public static Dictionary<string, object?> Redact(IReadOnlyDictionary<string, object?> conf)
    {
        ArgumentNullException.ThrowIfNull(conf);
        var copy = new Dictionary<string, object?>(conf.Count, StringComparer.Ordinal);
        foreach (var (key, value) in conf)
        {
            copy[key] = RedactValue(key, value);
        }

        return copy;
    }

    /// <summary>A copy of a config in JSON (an object of settings) with every secret's value replaced by <see cref="Mask"/>, nested objects included.</summary>
    public static JsonNode? Redact(JsonNode? conf) => conf switch
    {
        JsonObject o => RedactObject(o),
        JsonArray a => new JsonArray([.. a.Select(Redact)]),
        null => null,
        _ => conf.DeepClone(),
    };

    /// <summary>The JSON text of a config with its secrets masked; text that is not JSON is returned as an empty object rather than risk showing it.</summary>
    public static string RedactJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json);
        }
        catch (System.Text.Json.JsonException)
        {
            return "{}";
        }

        return Redact(node)?.ToJsonString() ?? "null";
    }

    private static object? RedactValue(string key, object? value) => value switch
    {
        null => null,
        _ when IsSecret(key) => Mask,
        IReadOnlyDictionary<string, object?> map => Redact(map),
        IDictionary<string, object?> map => Redact(map.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal)),
        string => value,
        System.Collections.IEnumerable list => list.Cast<object?>().Select(v => v is IReadOnlyDictionary<string, object?> m ? Redact(m) : v).ToList(),
        _ => value,
    };

    private static JsonObject RedactObject(JsonObject conf)
    {
        var copy = new JsonObject();
        foreach (var (key, value) in conf)
        {
            copy[key] = value is null ? null : IsSecret(key) ? JsonValue.Create(Mask) : Redact(value);
        }

        return copy;
    }
}
