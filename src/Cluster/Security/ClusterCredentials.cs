using System.Security.Cryptography.X509Certificates;
using StormSharp.Runtime.Configuration;

namespace StormSharp.Cluster.Security;

/// <summary>Builds each kind of client's <see cref="ClientSecurity"/> from the cluster's security settings.</summary>
internal static class ClusterCredentials
{
    /// <summary>How long a token a daemon mints for itself is taken; it mints the next one well before.</summary>
    internal static readonly TimeSpan DaemonTokenLife = TimeSpan.FromHours(1);

    /// <summary>A supervisor, UI or Nimbus calling Nimbus: a daemon token it mints with the cluster's secret.</summary>
    public static ClientSecurity ForDaemon(SecurityOptions security, string principal)
    {
        if (!security.Enabled)
        {
            return WithTls(security, token: null, clientCertificate: null);
        }

        var secret = security.Secret ?? throw new InvalidOperationException("a secured cluster has storm.auth.secret");
        var minter = new DaemonTokens(secret, principal);
        return WithTls(security, minter.Current, clientCertificate: null);
    }

    /// <summary>A worker calling Nimbus: the topology's worker token its supervisor wrote into its config.</summary>
    public static ClientSecurity ForWorker(SecurityOptions security)
    {
        var token = security.WorkerToken;
        return WithTls(security, token is null ? null : () => token, clientCertificate: null);
    }

    /// <summary>
    /// A user's client (the CLI): the client certificate of <c>storm.tls.client.*</c> when set, and the bearer token
    /// of <c>STORM_AUTH_TOKEN</c> or <c>storm.auth.token</c> when set.
    /// </summary>
    public static ClientSecurity ForUser(SecurityOptions security)
    {
        X509Certificate2? certificate = null;
        if (security.ClientCertificatePath is { } cert && security.ClientKeyPath is { } key)
        {
            certificate = TlsFiles.LoadCertificate(cert, key);
        }

        var token = security.ClientToken;
        return WithTls(security, token is null ? null : () => token, certificate);
    }

    /// <summary>The CAs clients trust, or null for the system's store.</summary>
    public static X509Certificate2Collection? Authorities(SecurityOptions security) =>
        security.TlsCaPath is { } ca ? TlsFiles.LoadAuthorities(ca) : null;

    private static ClientSecurity WithTls(SecurityOptions security, Func<string?>? token, X509Certificate2? clientCertificate) =>
        !security.Tls && token is null
            ? ClientSecurity.None
            : new ClientSecurity
            {
                Tls = security.Tls,
                TrustedAuthorities = security.Tls ? Authorities(security) : null,
                ClientCertificate = security.Tls ? clientCertificate : null,
                Token = token,
            };

    private sealed class DaemonTokens(byte[] secret, string principal)
    {
        private readonly Lock _gate = new();
        private string? _token;
        private DateTimeOffset _renewAt;

        public string? Current()
        {
            var now = DateTimeOffset.UtcNow;
            lock (_gate)
            {
                if (_token is null || now >= _renewAt)
                {
                    _token = StormTokens.Create(secret, principal, IdentityKind.Daemon, now + DaemonTokenLife);
                    _renewAt = now + (DaemonTokenLife / 2);
                }

                return _token;
            }
        }
    }
}
