using System.Security.Cryptography.X509Certificates;
using StormSharp.Cluster.Security;
using StormSharp.Runtime.Configuration;

namespace StormSharp.Worker.Transport;

/// <summary>
/// How the workers of one topology recognise each other on their slot ports: the topology's worker token, which every
/// call carries in <see cref="TransferMethods.TokenHeader"/> and every receiver compares with its own, and TLS when
/// <c>storm.messaging.tls</c> is true. Local mode has none of this (its transport never leaves the process).
/// </summary>
internal sealed record TransferSecurity
{
    /// <summary>Open transfer: no token, plain HTTP/2 (a cluster with <c>storm.auth.scheme: none</c>).</summary>
    public static readonly TransferSecurity None = new();

    /// <summary>The topology's worker token; when set, calls carry it and calls without it are refused. Null: transfer is open.</summary>
    public string? Token { get; init; }

    /// <summary>The certificate (with its key) the slot port serves TLS with; null: plain HTTP/2.</summary>
    public X509Certificate2? ServerCertificate { get; init; }

    /// <summary>How this worker connects to the others: https trusting the cluster's CA when they serve TLS.</summary>
    public ClientSecurity Client { get; init; } = ClientSecurity.None;

    /// <summary>
    /// From a worker's validated settings: the token exactly when its supervisor wrote one (<c>storm.auth.worker.token</c>),
    /// TLS when <c>storm.messaging.tls</c>. Throws <see cref="InvalidOperationException"/> naming a file that does not load.
    /// </summary>
    public static TransferSecurity From(SecurityOptions security)
    {
        if (!security.MessagingTls)
        {
            return security.WorkerToken is null ? None : new TransferSecurity { Token = security.WorkerToken };
        }

        var certificate = TlsFiles.LoadCertificate(
            security.TlsCertificatePath ?? throw new InvalidOperationException($"{ClusterKeys.MessagingTls} needs {ClusterKeys.TlsCertificatePath}"),
            security.TlsKeyPath ?? throw new InvalidOperationException($"{ClusterKeys.MessagingTls} needs {ClusterKeys.TlsKeyPath}"));
        return new TransferSecurity
        {
            Token = security.WorkerToken,
            ServerCertificate = certificate,
            Client = new ClientSecurity
            {
                Tls = true,
                TrustedAuthorities = security.TlsCaPath is { } ca ? TlsFiles.LoadAuthorities(ca) : null,
            },
        };
    }
}
