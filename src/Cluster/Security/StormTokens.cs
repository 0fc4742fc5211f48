using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace StormSharp.Cluster.Security;

/// <summary>What a token, or a client certificate, says its holder is.</summary>
public enum IdentityKind
{
    /// <summary>A person or a service of the user's: authorized by <c>nimbus.admins</c>, ownership and <c>topology.users</c>.</summary>
    User,

    /// <summary>A Nimbus, supervisor or UI of the cluster: it holds the cluster's secret.</summary>
    Daemon,

    /// <summary>A worker process: it may speak for its own topology only.</summary>
    Worker,
}

/// <summary>A caller the cluster has authenticated.</summary>
/// <param name="Principal">The user name (a token's subject, a certificate's CN).</param>
/// <param name="Kind">What the caller is.</param>
/// <param name="TopologyId">For a worker, the topology it runs.</param>
/// <param name="Expires">When its token stops being taken; null for a worker token or a certificate.</param>
public sealed record StormIdentity(string Principal, IdentityKind Kind, string? TopologyId = null, DateTimeOffset? Expires = null)
{
    /// <summary>How the caller is named in logs and refusals, e.g. <c>alice</c> or <c>worker of wordcount-1-170</c>.</summary>
    public override string ToString() => Kind switch
    {
        IdentityKind.Daemon => $"daemon '{Principal}'",
        IdentityKind.Worker => $"worker of {TopologyId}",
        _ => $"'{Principal}'",
    };
}

/// <summary>
/// The cluster's bearer tokens: <c>st1.&lt;payload&gt;.&lt;signature&gt;</c>, the payload a small JSON object
/// (<c>sub</c>, <c>kind</c>, <c>exp</c> in Unix seconds, <c>topo</c> for a worker), the signature its HMAC-SHA256 with
/// <c>storm.auth.secret</c>, both base64url. Any holder of the secret can mint one; every daemon can check one.
/// </summary>
/// <remarks>
/// A worker token has no expiry and names its topology; it is the same on every host (the payload holds nothing
/// else), so the workers of a topology can also show it to each other on their transfer ports.
/// </remarks>
public static class StormTokens
{
    /// <summary>The longest token looked at; anything longer is refused before it is decoded.</summary>
    public const int MaxLength = 4096;

    private const string Prefix = "st1.";

    /// <summary>Mints a token for <paramref name="principal"/>.</summary>
    /// <param name="secret">The cluster's secret.</param>
    /// <param name="principal">The subject; non-empty, no control characters.</param>
    /// <param name="kind">What the holder is.</param>
    /// <param name="expires">When it stops being taken; null for never (worker tokens only).</param>
    /// <param name="topologyId">For a worker token, its topology.</param>
    public static string Create(ReadOnlySpan<byte> secret, string principal, IdentityKind kind, DateTimeOffset? expires, string? topologyId = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(principal);
        if (principal.Any(char.IsControl))
        {
            throw new ArgumentException("a principal holds no control characters", nameof(principal));
        }

        if (kind == IdentityKind.Worker && string.IsNullOrEmpty(topologyId))
        {
            throw new ArgumentException("a worker token names its topology", nameof(topologyId));
        }

        if (kind != IdentityKind.Worker && expires is null)
        {
            throw new ArgumentException("only worker tokens may be without an expiry", nameof(expires));
        }

        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("sub", principal);
            json.WriteString("kind", kind switch { IdentityKind.Daemon => "daemon", IdentityKind.Worker => "worker", _ => "user" });
            if (expires is { } e)
            {
                json.WriteNumber("exp", e.ToUnixTimeSeconds());
            }

            if (topologyId is not null)
            {
                json.WriteString("topo", topologyId);
            }

            json.WriteEndObject();
        }

        var signed = Prefix + Base64Url.EncodeToString(buffer.ToArray());
        return signed + "." + Base64Url.EncodeToString(Sign(secret, signed));
    }

    /// <summary>The token of the workers of <paramref name="topologyId"/>: what a supervisor gives each worker it launches.</summary>
    public static string WorkerToken(ReadOnlySpan<byte> secret, string topologyId) =>
        Create(secret, "worker", IdentityKind.Worker, expires: null, topologyId);

    /// <summary>
    /// Checks <paramref name="token"/>'s signature and expiry. Never throws on bad input: <paramref name="reason"/> says
    /// what is wrong (malformed, bad signature, expired) in words that reveal nothing about the secret.
    /// </summary>
    public static bool TryValidate(ReadOnlySpan<byte> secret, string? token, DateTimeOffset now, out StormIdentity? identity, out string reason)
    {
        identity = null;
        if (string.IsNullOrEmpty(token))
        {
            reason = "no token";
            return false;
        }

        if (token.Length > MaxLength || !token.StartsWith(Prefix, StringComparison.Ordinal))
        {
            reason = "the token is not a StormSharp token";
            return false;
        }

        var dot = token.LastIndexOf('.');
        if (dot <= Prefix.Length)
        {
            reason = "the token is malformed";
            return false;
        }

        var signed = token[..dot];
        byte[] signature;
        byte[] payload;
        try
        {
            signature = Base64Url.DecodeFromChars(token.AsSpan(dot + 1));
            payload = Base64Url.DecodeFromChars(signed.AsSpan(Prefix.Length));
        }
        catch (FormatException)
        {
            reason = "the token is malformed";
            return false;
        }

        if (!CryptographicOperations.FixedTimeEquals(signature, Sign(secret, signed)))
        {
            reason = "the token's signature is not the cluster's (another secret, or altered)";
            return false;
        }

        try
        {
            using var doc = JsonDocument.Parse(payload);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                // TryGetProperty throws on anything else; a token's payload is an object.
                reason = "the token is malformed";
                return false;
            }

            var sub = root.TryGetProperty("sub", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
            var kindText = root.TryGetProperty("kind", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString() : null;
            var topo = root.TryGetProperty("topo", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            IdentityKind? kind = kindText switch { "user" => IdentityKind.User, "daemon" => IdentityKind.Daemon, "worker" => IdentityKind.Worker, _ => null };
            if (string.IsNullOrEmpty(sub) || kind is null || (kind == IdentityKind.Worker && string.IsNullOrEmpty(topo)))
            {
                reason = "the token is malformed";
                return false;
            }

            DateTimeOffset? expires = null;
            if (root.TryGetProperty("exp", out var exp))
            {
                if (exp.ValueKind != JsonValueKind.Number || !exp.TryGetInt64(out var seconds))
                {
                    reason = "the token is malformed";
                    return false;
                }

                if (now.ToUnixTimeSeconds() >= seconds)
                {
                    reason = $"the token expired at {DateTimeOffset.FromUnixTimeSeconds(seconds):u}";
                    return false;
                }

                expires = DateTimeOffset.FromUnixTimeSeconds(seconds);
            }
            else if (kind != IdentityKind.Worker)
            {
                reason = "the token is malformed";
                return false;
            }

            identity = new StormIdentity(sub, kind.Value, kind == IdentityKind.Worker ? topo : null, expires);
            reason = string.Empty;
            return true;
        }
        catch (JsonException)
        {
            reason = "the token is malformed";
            return false;
        }
    }

    private static byte[] Sign(ReadOnlySpan<byte> secret, string signed) => HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes(signed));
}
