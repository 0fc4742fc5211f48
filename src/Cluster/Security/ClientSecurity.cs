using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;

namespace StormSharp.Cluster.Security;

/// <summary>
/// How a client of Nimbus connects and proves who it is: TLS (trusting the cluster's CA), a client certificate, a
/// bearer token, or none of these on a development cluster. The CLI, supervisors, workers, the UI and Nimbus (to its
/// peers) each build one from their config.
/// </summary>
public sealed class ClientSecurity
{
    /// <summary>Plain HTTP/2, no credentials: a cluster with <c>storm.auth.scheme: none</c> and no TLS.</summary>
    public static readonly ClientSecurity None = new();

    /// <summary>Whether to connect with TLS (https).</summary>
    public bool Tls { get; init; }

    /// <summary>The CAs a server's certificate must chain to; null: the system's trust store.</summary>
    public X509Certificate2Collection? TrustedAuthorities { get; init; }

    /// <summary>The certificate presented to the server, with its key.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>The bearer token of each call, asked for at every call (so a caller may vary it); null or empty: none.</summary>
    public Func<string?>? Token { get; init; }

    /// <summary>The URI scheme to reach a server with.</summary>
    public string UriScheme => Tls ? "https" : "http";

    /// <summary>A gRPC channel to <paramref name="address"/> (<c>host:port</c>) with these credentials.</summary>
    public GrpcChannel Channel(string address, int maxReceiveMessageSize, TimeSpan connectTimeout)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = connectTimeout,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
        };
        ConfigureTls(handler.SslOptions);
        var options = new GrpcChannelOptions { MaxReceiveMessageSize = maxReceiveMessageSize, HttpHandler = handler };
        if (Token is { } token)
        {
            var perCall = CallCredentials.FromInterceptor((_, metadata) =>
            {
                if (token() is { Length: > 0 } t)
                {
                    metadata.Add("authorization", "Bearer " + t);
                }

                return Task.CompletedTask;
            });
            options.Credentials = ChannelCredentials.Create(Tls ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure, perCall);
            options.UnsafeUseInsecureChannelCallCredentials = !Tls;
        }

        return GrpcChannel.ForAddress(UriScheme + "://" + address, options);
    }

    /// <summary>Sets the server check and the client certificate on <paramref name="ssl"/>.</summary>
    public void ConfigureTls(SslClientAuthenticationOptions ssl)
    {
        if (!Tls)
        {
            return;
        }

        if (ClientCertificate is { } mine)
        {
            ssl.ClientCertificates = [mine];
        }

        if (TrustedAuthorities is { } cas)
        {
            ssl.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                certificate is X509Certificate2 server
                && (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None
                && TlsFiles.IssuedBy(server, cas, clientAuth: false, out _);
        }
    }
}
