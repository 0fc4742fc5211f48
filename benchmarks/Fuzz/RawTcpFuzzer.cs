using System.Buffers.Binary;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;

namespace StormSharp.Benchmarks.Fuzz;

/// <summary>
/// Below the protocols: bytes on a TCP connection to 127.0.0.1:<paramref name="port"/>. Connections opened and dropped,
/// random bytes, TLS records that are not a ClientHello or claim more than they carry, and inside a real TLS session
/// (ALPN h2 or http/1.1), truncated and wrong HTTP/2 prefaces, frames of random type and flags, frames whose header
/// claims 16 MiB, SETTINGS out of range, HEADERS with garbage HPACK, a burst of PINGs, HTTP/1.1 request lines and header
/// lines that are too long or never end. Every input has <see cref="Deadline"/>; none can be accepted (no credentials).
/// </summary>
internal sealed class RawTcpFuzzer(int port, bool tls)
{
    /// <summary>Short: a server that waits for the rest of a request is right to, and the loop has other shapes to send.</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(1);
    private static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    public async Task<Verdict> OneAsync(Random r, CancellationToken stop)
    {
        var shape = r.Next(14);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(stop);
        cts.CancelAfter(Deadline);
        var ct = cts.Token;
        using var client = new TcpClient { NoDelay = true, LingerState = new LingerOption(true, 0) };
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port, ct).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            return Verdict.Refused("tcp:connect-" + e.SocketErrorCode, "connect");
        }
        catch (OperationCanceledException)
        {
            return Verdict.Refused("tcp:timeout", "connect");
        }

        Stream stream = client.GetStream();
        string input;
        try
        {
            // Shapes 0-2 go to the port as it is (a TLS port sees them before any handshake); the rest inside TLS when the port is TLS.
            switch (shape)
            {
                case 0:
                    return Verdict.Refused("tcp:dropped", "connect and drop");
                case 1:
                    input = "random bytes";
                    await stream.WriteAsync(Hostile.Bytes(r, 4096), ct).ConfigureAwait(false);
                    break;
                case 2:
                    input = "TLS record header claiming 16 KiB then garbage";
                    byte[] record = [0x16, 0x03, (byte)r.Next(0, 5), 0x40, 0x00, 0x01, 0xff, 0xff, 0xff];
                    await stream.WriteAsync(record, ct).ConfigureAwait(false);
                    await stream.WriteAsync(Hostile.Bytes(r, 512), ct).ConfigureAwait(false);
                    break;
                default:
                    // Now and then the same bytes without the handshake: plain HTTP/2 or HTTP/1.1 to a TLS port.
                    if (tls && r.Next(5) != 0)
                    {
                        stream = await HandshakeAsync(stream, r.Next(2) == 0 ? SslApplicationProtocol.Http2 : SslApplicationProtocol.Http11, ct).ConfigureAwait(false);
                    }

                    input = await InsideAsync(stream, r, shape - 3, ct).ConfigureAwait(false);
                    break;
            }

            await stream.FlushAsync(ct).ConfigureAwait(false);
            return Verdict.Refused(await DrainAsync(stream, ct).ConfigureAwait(false), input);
        }
        catch (OperationCanceledException)
        {
            return Verdict.Refused("tcp:timeout", "shape " + shape);
        }
        catch (Exception e) when (e is IOException or SocketException or AuthenticationException or ObjectDisposedException)
        {
            return Verdict.Refused("tcp:closed", "shape " + shape);
        }
        finally
        {
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async Task<string> InsideAsync(Stream s, Random r, int shape, CancellationToken ct)
    {
        switch (shape)
        {
            case 0:
                await s.WriteAsync(Preface.AsMemory(0, r.Next(1, Preface.Length)), ct).ConfigureAwait(false);
                return "truncated HTTP/2 preface";
            case 1:
                await s.WriteAsync(Preface, ct).ConfigureAwait(false);
                for (var i = r.Next(1, 20); i > 0; i--)
                {
                    await s.WriteAsync(Frame((byte)r.Next(0, 16), (byte)r.Next(256), r.Next(0, 8) == 0 ? 0 : (uint)r.Next(), Hostile.Bytes(r, 2048)), ct).ConfigureAwait(false);
                }

                return "preface and frames of random type, flags and stream";
            case 2:
                await s.WriteAsync(Preface, ct).ConfigureAwait(false);
                var header = Frame((byte)r.Next(0, 10), 0, 1, Hostile.Bytes(r, 64));
                header[0] = 0xff;
                header[1] = 0xff;
                header[2] = 0xff;
                await s.WriteAsync(header, ct).ConfigureAwait(false);
                return "a frame claiming 16 MiB, then short";
            case 3:
                await s.WriteAsync(Preface, ct).ConfigureAwait(false);
                var settings = new byte[6 * 6];
                for (var i = 0; i < 6; i++)
                {
                    BinaryPrimitives.WriteUInt16BigEndian(settings.AsSpan(i * 6), (ushort)r.Next(0, 10));
                    BinaryPrimitives.WriteUInt32BigEndian(settings.AsSpan((i * 6) + 2), r.Next(2) == 0 ? uint.MaxValue : (uint)r.Next());
                }

                await s.WriteAsync(Frame(4, 0, 0, settings), ct).ConfigureAwait(false);
                return "SETTINGS out of range";
            case 4:
                await s.WriteAsync(Preface, ct).ConfigureAwait(false);
                await s.WriteAsync(Frame(4, 0, 0, []), ct).ConfigureAwait(false);
                await s.WriteAsync(Frame(1, 0x4, 1, Hostile.Bytes(r, 4096)), ct).ConfigureAwait(false);
                return "HEADERS with garbage HPACK";
            case 5:
                await s.WriteAsync(Preface, ct).ConfigureAwait(false);
                await s.WriteAsync(Frame(4, 0, 0, []), ct).ConfigureAwait(false);
                for (var i = 0; i < 200; i++)
                {
                    await s.WriteAsync(Frame((byte)(r.Next(2) == 0 ? 6 : 9), 0, r.Next(2) == 0 ? 0u : 1u, Hostile.Bytes(r, 8)), ct).ConfigureAwait(false);
                }

                return "200 PING or CONTINUATION frames";
            case 6:
                await s.WriteAsync(Encoding.ASCII.GetBytes($"{Hostile.Printable(r, r.Next(1, 10))} /{Hostile.Printable(r, r.Next(0, 200))} HTTP/{r.Next(0, 4)}.{r.Next(0, 10)}\r\n\r\n"), ct).ConfigureAwait(false);
                return "HTTP/1.1 random request line";
            case 7:
                await s.WriteAsync(Encoding.ASCII.GetBytes("GET /api/v1/cluster/summary HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Long: " + new string('a', r.Next(1, 128) * 1024) + "\r\n\r\n"), ct).ConfigureAwait(false);
                return "HTTP/1.1 header line up to 128 KiB";
            case 8:
                await s.WriteAsync(Encoding.ASCII.GetBytes("POST /api/v1/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 99999999\r\n\r\n{\"token\":\""), ct).ConfigureAwait(false);
                return "HTTP/1.1 body shorter than its Content-Length";
            case 9:
                await s.WriteAsync(Encoding.ASCII.GetBytes("POST /api/v1/login HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n" + Hostile.Printable(r, 16) + "\r\n"), ct).ConfigureAwait(false);
                return "HTTP/1.1 chunked body with a bad chunk size";
            default:
                await s.WriteAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\n"), ct).ConfigureAwait(false);
                return "HTTP/1.1 request that never ends";
        }
    }

    private static async Task<Stream> HandshakeAsync(Stream inner, SslApplicationProtocol alpn, CancellationToken ct)
    {
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false);
        await ssl.AuthenticateAsClientAsync(
            new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                ApplicationProtocols = [alpn],

                // A stranger does not care who the server is; the fuzzer wants to reach what is behind the handshake.
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            },
            ct).ConfigureAwait(false);
        return ssl;
    }

    /// <summary>Reads what the server says until it closes, at most 64 KiB or the deadline.</summary>
    private static async Task<string> DrainAsync(Stream s, CancellationToken ct)
    {
        var buffer = new byte[16 * 1024];
        var total = 0;
        while (total < 64 * 1024)
        {
            var n = await s.ReadAsync(buffer, ct).ConfigureAwait(false);
            if (n == 0)
            {
                return total == 0 ? "tcp:closed" : "tcp:answered-then-closed";
            }

            total += n;
        }

        return "tcp:answered";
    }

    private static byte[] Frame(byte type, byte flags, uint stream, byte[] payload)
    {
        var f = new byte[9 + payload.Length];
        f[0] = (byte)(payload.Length >> 16);
        f[1] = (byte)(payload.Length >> 8);
        f[2] = (byte)payload.Length;
        f[3] = type;
        f[4] = flags;
        BinaryPrimitives.WriteUInt32BigEndian(f.AsSpan(5), stream & 0x7fffffff);
        payload.CopyTo(f, 9);
        return f;
    }
}
