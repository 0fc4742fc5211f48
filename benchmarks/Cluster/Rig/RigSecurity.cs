using System.Globalization;
using System.Text;
using StormSharp.Cluster.Security;

namespace StormSharp.Benchmarks.Cluster.Rig;

/// <summary>
/// The settings of a secured rig: <c>storm.auth.scheme: token</c> with <paramref name="Secret"/>, TLS on Nimbus, the
/// UI and the logviewer with the given PEM files (none when <paramref name="CertificatePath"/> is null: tokens over
/// plain HTTP/2), and TLS between workers when <paramref name="MessagingTls"/>. The rig's own calls (the probe,
/// <c>storm jar</c>, <c>storm kill</c>) present <see cref="AdminToken"/>.
/// </summary>
internal sealed record RigSecurity(string Secret, string? CertificatePath, string? KeyPath, string? CaPath, bool MessagingTls)
{
    /// <summary>The principal of the rig's own calls, made <c>nimbus.admins</c>.</summary>
    public const string Admin = "rig-admin";

    /// <summary>A token of <see cref="Admin"/>, signed with the secret, good for a day.</summary>
    public string AdminToken { get; } = StormTokens.Create(Encoding.UTF8.GetBytes(Secret), Admin, IdentityKind.User, DateTimeOffset.UtcNow.AddDays(1));

    /// <summary>How the rig reaches Nimbus: TLS trusting the CA (plain HTTP/2 without one), with <see cref="AdminToken"/>.</summary>
    public ClientSecurity Client => CaPath is null
        ? new() { Token = () => AdminToken }
        : new() { Tls = true, TrustedAuthorities = TlsFiles.LoadAuthorities(CaPath), Token = () => AdminToken };

    /// <summary>The lines of <c>storm.yaml</c> that secure the cluster.</summary>
    public string Yaml => string.Create(CultureInfo.InvariantCulture, $"""
        storm.auth.scheme: "token"
        storm.auth.secret: "{Secret}"
        storm.messaging.tls: {(MessagingTls ? "true" : "false")}
        nimbus.admins: ["{Admin}"]

        """) + (CertificatePath is null ? string.Empty : $"""
        storm.tls.certificate.path: "{CertificatePath}"
        storm.tls.key.path: "{KeyPath}"
        storm.tls.ca.path: "{CaPath}"

        """);
}
