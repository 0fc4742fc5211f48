using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using StormSharp.ZooKeeper.Tests.Infrastructure;

namespace StormSharp.ZooKeeper.Tests;

/// <summary>Servers that misbehave must cost the caller a ConnectionLoss or a timeout, never a hang or a crash.</summary>
public sealed class FaultInjectionTests
{
    private static readonly TimeSpan ShortSession = TimeSpan.FromMilliseconds(3000);

    private static ZooKeeperClientOptions Options(FakeServer server) => new()
    {
        ConnectionString = server.Address,
        SessionTimeout = ShortSession,
        ConnectTimeout = TimeSpan.FromSeconds(2),
    };

    private static async Task Linger(CancellationToken token) => await Task.Delay(Timeout.Infinite, token);

    private static async Task AssertConnectFailsQuickly(FakeServer server)
    {
        var sw = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<ConnectionLossException>(() => ZooKeeperClient.ConnectAsync(Options(server))).Within("connect to a bad server to fail");
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"took {sw.Elapsed}");
        Assert.Equal(ErrorCode.ConnectionLoss, ex.Code);
    }

    [Fact]
    public async Task ConnectAsync_ServerSendsGarbage_ThrowsConnectionLoss()
    {
        await using var server = new FakeServer(async (s, t) =>
        {
            await FakeServer.ReadFrameAsync(s, t);
            await s.SendAsync(Enumerable.Repeat((byte)0xAB, 64).ToArray(), SocketFlags.None, t);
            await Linger(t);
        });
        await AssertConnectFailsQuickly(server);
        Assert.True(server.Connections >= 1);
    }

    [Fact]
    public async Task ConnectAsync_ServerStalls_ThrowsConnectionLoss()
    {
        await using var server = new FakeServer(async (s, t) => await Linger(t));
        await AssertConnectFailsQuickly(server);
    }

    [Fact]
    public async Task ConnectAsync_ServerClosesMidFrame_ThrowsConnectionLoss()
    {
        await using var server = new FakeServer(async (s, t) =>
        {
            await FakeServer.ReadFrameAsync(s, t);
            var partial = new byte[14];
            BinaryPrimitives.WriteInt32BigEndian(partial, 36);
            await s.SendAsync(partial, SocketFlags.None, t);
            s.Close();
        });
        await AssertConnectFailsQuickly(server);
    }

    [Fact]
    public async Task Request_ServerStallsAfterHandshake_ConnectionLossWithinReadTimeout()
    {
        await using var server = new FakeServer(async (s, t) =>
        {
            await FakeServer.AcceptHandshakeAsync(s, t);
            await Linger(t);
        });
        var client = await ZooKeeperClient.ConnectAsync(Options(server)).Within("handshake with the fake server");
        try
        {
            var sw = Stopwatch.StartNew();
            await Assert.ThrowsAsync<ConnectionLossException>(() => client.GetDataAsync("/x").AsTask()).Within("request to a stalled server to fail");

            // Two thirds of the negotiated 3 s session timeout, plus scheduling slack.
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"took {sw.Elapsed}");
        }
        finally
        {
            await client.CloseAsync().Within("close");
        }
    }

    [Fact]
    public async Task Request_ServerRepliesWithUnknownXid_ConnectionLoss()
    {
        await using var server = new FakeServer(async (s, t) =>
        {
            await FakeServer.AcceptHandshakeAsync(s, t);
            if (await FakeServer.ReadRequestAsync(s, t, answerPings: true) is { } xid)
            {
                await s.SendAsync(FakeServer.ReplyHeader(xid + 1000, 0), SocketFlags.None, t);
            }

            await Linger(t);
        });
        await using var client = await ZooKeeperClient.ConnectAsync(Options(server)).Within("handshake");
        await Assert.ThrowsAsync<ConnectionLossException>(() => client.GetDataAsync("/x").AsTask()).Within("request answered out of order");
    }

    [Fact]
    public async Task Request_ServerSendsHugeFrameLength_ConnectionLoss()
    {
        await using var server = new FakeServer(async (s, t) =>
        {
            await FakeServer.AcceptHandshakeAsync(s, t);
            await FakeServer.ReadRequestAsync(s, t, answerPings: true);
            var bogus = new byte[8];
            BinaryPrimitives.WriteInt32BigEndian(bogus, int.MaxValue);
            await s.SendAsync(bogus, SocketFlags.None, t);
            await Linger(t);
        });
        await using var client = await ZooKeeperClient.ConnectAsync(Options(server)).Within("handshake");
        await Assert.ThrowsAsync<ConnectionLossException>(() => client.GetDataAsync("/x").AsTask()).Within("request answered with a 2 GiB frame");
    }

    [Fact]
    public async Task Request_ReplyBodyTruncatedInsideRecord_ConnectionLoss()
    {
        await using var server = new FakeServer(async (s, t) =>
        {
            await FakeServer.AcceptHandshakeAsync(s, t);
            if (await FakeServer.ReadRequestAsync(s, t, answerPings: true) is { } xid)
            {
                // A getData reply whose data buffer claims 1000 bytes but the frame ends after 4.
                var header = FakeServer.ReplyHeader(xid, 0, extraBody: 4);
                var body = new byte[4];
                BinaryPrimitives.WriteInt32BigEndian(body, 1000);
                await s.SendAsync(header.Concat(body).ToArray(), SocketFlags.None, t);
            }

            await Linger(t);
        });
        await using var client = await ZooKeeperClient.ConnectAsync(Options(server)).Within("handshake");
        await Assert.ThrowsAsync<ConnectionLossException>(() => client.GetDataAsync("/x").AsTask()).Within("request answered with a truncated record");
    }

    [Fact]
    public async Task Request_ServerClosesMidReply_ConnectionLossAndClientReconnects()
    {
        await using var server = new FakeServer(async (s, t) =>
        {
            await FakeServer.AcceptHandshakeAsync(s, t);
            if (await FakeServer.ReadRequestAsync(s, t, answerPings: true) is { } xid)
            {
                await s.SendAsync(FakeServer.ReplyHeader(xid, 0, extraBody: 100).AsMemory(0, 10), SocketFlags.None, t);
                s.Close();
            }
        });
        var states = new Events<ConnectionState>();
        await using var client = await ZooKeeperClient.ConnectAsync(Options(server)).Within("handshake");
        client.ConnectionStateChanged += states.Handler;
        await Assert.ThrowsAsync<ConnectionLossException>(() => client.GetDataAsync("/x").AsTask()).Within("request whose reply was cut");
        await states.WaitForAsync(s => s == ConnectionState.Reconnected, "reconnect to the fake server");
        Assert.True(server.Connections >= 2);
    }

    [Fact]
    public async Task Request_ServerSaysSessionExpired_RaisesExpired()
    {
        var first = true;
        await using var server = new FakeServer(async (s, t) =>
        {
            // First connection: a session, then hang up. Second: the server says it expired.
            var grant = first;
            first = false;
            await FakeServer.AcceptHandshakeAsync(s, t, grant ? 3000 : 0);
            if (grant)
            {
                s.Close();
            }

            await Linger(t);
        });
        var states = new Events<ConnectionState>();
        var options = Options(server);
        await using var client = await ZooKeeperClient.ConnectAsync(options).Within("handshake");
        client.ConnectionStateChanged += states.Handler;
        await states.WaitForAsync(s => s == ConnectionState.Expired, "expired reported by the server");
    }
}
