using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using StormSharp.Cluster.Security;

namespace StormSharp.Benchmarks.Fuzz;

/// <summary>
/// The tokens the fuzzer presents. <see cref="Valid"/> (a user of <c>nimbus.admins</c>) is for the control and health
/// calls only; <see cref="Bad"/> are credentials a stranger could have or make: none, garbage, expired, signed with
/// another secret, altered, truncated, and payloads signed with the real secret that the token format refuses (no
/// expiry on a user's token, unknown kind, empty subject, JSON that is not an object). <see cref="OtherWorker"/> is
/// the valid worker token of another topology, <see cref="ThisWorker"/> the fuzzed topology's own.
/// </summary>
internal sealed class FuzzCredentials
{
    private readonly byte[] _secret;
    private readonly byte[] _otherSecret = RandomNumberGenerator.GetBytes(32);

    public FuzzCredentials(string secret, string topologyId)
    {
        _secret = Encoding.UTF8.GetBytes(secret);
        TopologyId = topologyId;
        Valid = StormTokens.Create(_secret, Admin, IdentityKind.User, DateTimeOffset.UtcNow.AddHours(6));
        ThisWorker = StormTokens.WorkerToken(_secret, topologyId);
        OtherTopologyId = "fuzz-other-1-1700000000";
        OtherWorker = StormTokens.WorkerToken(_secret, OtherTopologyId);
        var expired = StormTokens.Create(_secret, Admin, IdentityKind.User, DateTimeOffset.UtcNow.AddMinutes(-5));
        var otherSecret = StormTokens.Create(_otherSecret, Admin, IdentityKind.User, DateTimeOffset.UtcNow.AddHours(6));
        var dot = Valid.LastIndexOf('.');
        var altered = Valid[..(dot - 2)] + (Valid[dot - 2] == 'A' ? 'B' : 'A') + Valid[(dot - 1)..];
        var far = DateTimeOffset.UtcNow.AddHours(6).ToUnixTimeSeconds();
        Bad =
        [
            ("none", null),
            ("empty", string.Empty),
            ("garbage", "not-a-token"),
            ("garbage-st1", "st1.AAAA.BBBB"),
            ("expired", expired),
            ("other-secret", otherSecret),
            ("other-secret-daemon", StormTokens.Create(_otherSecret, "nimbus", IdentityKind.Daemon, DateTimeOffset.UtcNow.AddHours(6))),
            ("other-secret-worker", StormTokens.WorkerToken(_otherSecret, topologyId)),
            ("altered", altered),
            ("truncated", Valid[..^3]),
            ("signature-only", Valid[Valid.LastIndexOf('.')..]),
            ("double-dot", Valid.Replace(".", "..", StringComparison.Ordinal)),
            ("oversized", "st1." + new string('A', StormTokens.MaxLength + 10) + ".AAAA"),
            ("signed-no-exp", Sign("""{"sub":"rig-admin","kind":"user"}""")),
            ("signed-exp-string", Sign($$"""{"sub":"rig-admin","kind":"user","exp":"{{far}}"}""")),
            ("signed-exp-float", Sign($$"""{"sub":"rig-admin","kind":"user","exp":{{far}}.5}""")),
            ("signed-exp-huge", Sign("""{"sub":"rig-admin","kind":"user","exp":1e400}""")),
            ("signed-kind-admin", Sign($$"""{"sub":"rig-admin","kind":"admin","exp":{{far}}}""")),
            ("signed-empty-sub", Sign($$"""{"sub":"","kind":"user","exp":{{far}}}""")),
            ("signed-sub-number", Sign($$"""{"sub":7,"kind":"user","exp":{{far}}}""")),
            ("signed-worker-no-topo", Sign("""{"sub":"worker","kind":"worker"}""")),
            ("signed-array", Sign("""[1,2,3]""")),
            ("signed-not-json", Sign("""{"sub":""")),
            ("signed-deep", Sign(new string('[', 5000) + new string(']', 5000))),
        ];
    }

    /// <summary>The principal of <see cref="Valid"/>, one of <c>nimbus.admins</c>.</summary>
    public const string Admin = StormSharp.Benchmarks.Cluster.Rig.RigSecurity.Admin;

    public string TopologyId { get; }

    public string OtherTopologyId { get; }

    /// <summary>A user's token that every check takes (a Nimbus admin).</summary>
    public string Valid { get; }

    /// <summary>The fuzzed topology's worker token (what its workers show each other).</summary>
    public string ThisWorker { get; }

    /// <summary>A worker token, signed with the cluster's secret, of a topology that is not the fuzzed one.</summary>
    public string OtherWorker { get; }

    /// <summary>Credentials that must never be taken as a user's, by label; a null token means none is sent.</summary>
    public IReadOnlyList<(string Label, string? Token)> Bad { get; }

    public (string Label, string? Token) AnyBad(Random r) => Bad[r.Next(Bad.Count)];

    /// <summary>A token in the cluster's format whose payload is <paramref name="json"/>, signed with the real secret.</summary>
    private string Sign(string json)
    {
        var signed = "st1." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json));
        return signed + "." + Base64Url.EncodeToString(HMACSHA256.HashData(_secret, Encoding.UTF8.GetBytes(signed)));
    }
}
