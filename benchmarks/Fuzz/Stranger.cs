using System.Net;
using System.Net.Security;
using Grpc.Net.Client;

namespace StormSharp.Benchmarks.Fuzz;

/// <summary>How the fuzzer connects: as a stranger who takes any server certificate (to reach what is behind TLS), to 127.0.0.1 only.</summary>
internal static class Stranger
{
    public static SocketsHttpHandler Handler() => new()
    {
        ConnectTimeout = TimeSpan.FromSeconds(3),
        PooledConnectionLifetime = TimeSpan.FromSeconds(30),
        MaxConnectionsPerServer = 4,
        UseCookies = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, _, _, _) => true },
    };

    /// <summary>A gRPC channel to 127.0.0.1:<paramref name="port"/>, with TLS or plain HTTP/2, sending whatever headers each call sets.</summary>
    public static GrpcChannel Channel(int port, bool tls = true) => GrpcChannel.ForAddress($"{(tls ? "https" : "http")}://127.0.0.1:{port}", new GrpcChannelOptions
    {
        HttpHandler = Handler(),
        MaxReceiveMessageSize = 16 * 1024 * 1024,
        MaxSendMessageSize = null,
        DisposeHttpClient = true,
    });
}
