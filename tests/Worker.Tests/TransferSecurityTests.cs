using System.Net;
using System.Net.Sockets;
using System.Text;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using StormSharp.Cluster.Security;
using StormSharp.Runtime.Configuration;
using StormSharp.Tests.Shared;
using StormSharp.Topology;
using StormSharp.Worker.Transport;

namespace StormSharp.Worker.Tests;

/// <summary>
/// The transfer port of a secured topology: its workers present the topology's worker token to each other (and speak
/// TLS with <c>storm.messaging.tls</c>), and anyone else is refused before a frame of theirs is read.
/// </summary>
public sealed class TransferSecurityTests : IDisposable
{
    private static readonly byte[] Secret = Encoding.UTF8.GetBytes("a-test-cluster-secret-of-at-least-32-characters");

    private readonly string _key = Guid.NewGuid().ToString("N");
    private readonly string _counts = Guid.NewGuid().ToString("N");

    public void Dispose()
    {
        Board.Forget(_key);
        Board.Forget(_counts);
    }

    [Fact]
    public async Task TokenTransfer_WordCountAcrossTwoWorkers_EverySentenceAckedAndEveryWordCountedOnce()
    {
        const int sentences = 5_000;
        var name = "secure-wordcount";
        await using var cluster = await TwoWorkers.StartAsync(WordCount(sentences), new Config().SetMaxSpoutPending(1_000), name, TokenOnly(name));

        await AssertExactWordCountAsync(cluster, sentences);
        Assert.All(cluster.Workers, w => Assert.Equal(0, cluster.TransportOf(w).Authenticator.Refused));
    }

    [Fact]
    public async Task TlsTransfer_FromConfig_WordCountAcrossTwoWorkersOverTls_EveryWordCountedOnce()
    {
        const int sentences = 5_000;
        using var certificates = TestCertificates.Create();
        var name = "tls-wordcount";
        var security = TransferSecurity.From(SecurityOptions.From(SecureConf(name, certificates), Path.GetTempPath()));
        Assert.NotNull(security.ServerCertificate);
        Assert.True(security.Client.Tls);
        Assert.NotNull(security.Token);
        await using var cluster = await TwoWorkers.StartAsync(WordCount(sentences), new Config().SetMaxSpoutPending(1_000), name, security);

        await AssertExactWordCountAsync(cluster, sentences);

        // The port speaks TLS only: a plain HTTP/2 client with the right token gets no call through.
        var endpoint = cluster.Workers[0].Endpoint;
        using (var plain = GrpcChannel.ForAddress($"http://{endpoint}"))
        {
            var e = await Assert.ThrowsAsync<RpcException>(() => SendOnce(plain.CreateCallInvoker(), cluster.Definition.StormId, security.Token, [1, 2, 3]));
            Assert.NotEqual(StatusCode.OK, e.StatusCode);
        }

        // Nor does a client that trusts only another CA: the worker's certificate does not chain to it.
        using (var wrongCa = TestCertificates.Create())
        {
            var distrustful = new ClientSecurity { Tls = true, TrustedAuthorities = TlsFiles.LoadAuthorities(wrongCa.CaPath) };
            var handler = new SocketsHttpHandler();
            distrustful.ConfigureTls(handler.SslOptions);
            using var channel = GrpcChannel.ForAddress($"https://{endpoint}", new GrpcChannelOptions { HttpHandler = handler });
            var e = await Assert.ThrowsAsync<RpcException>(() => SendOnce(channel.CreateCallInvoker(), cluster.Definition.StormId, security.Token, [1, 2, 3]));
            Assert.NotEqual(StatusCode.OK, e.StatusCode);
            Assert.Contains("SSL", e.Message, StringComparison.Ordinal);
        }

        Assert.Equal(3L * sentences, Board.Of(_counts).Counts.Values.Sum());
    }

    [Fact]
    public async Task TransferPort_StrangerWithoutOrWithAWrongToken_IsRefusedUnauthenticatedAndTheCountsAreUnchanged()
    {
        const int sentences = 2_000;
        var name = "secure-stranger";
        await using var cluster = await TwoWorkers.StartAsync(WordCount(sentences), new Config().SetMaxSpoutPending(500), name, TokenOnly(name));
        await AssertExactWordCountAsync(cluster, sentences);
        var before = Board.Of(_counts).Counts.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        var target = cluster.Workers.Single(w => !w.Executors.Any(e => e.IsSpout));
        var endpoint = target.Endpoint;
        var topology = cluster.Definition.StormId;

        using var channel = GrpcChannel.ForAddress($"http://{endpoint}");
        var invoker = channel.CreateCallInvoker();

        // Frames of garbage: a call that got as far as its first frame would end InvalidArgument, not Unauthenticated.
        byte[] garbage = [0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 9];
        var none = await Assert.ThrowsAsync<RpcException>(() => SendOnce(invoker, topology, null, garbage));
        Assert.Equal(StatusCode.Unauthenticated, none.StatusCode);
        var wrong = await Assert.ThrowsAsync<RpcException>(() => SendOnce(invoker, topology, "st1.not-the-token.at-all", garbage));
        Assert.Equal(StatusCode.Unauthenticated, wrong.StatusCode);
        var otherSecret = await Assert.ThrowsAsync<RpcException>(() =>
            SendOnce(invoker, topology, StormTokens.WorkerToken(Encoding.UTF8.GetBytes("another-cluster-secret-of-32-characters-or-more"), topology), garbage));
        Assert.Equal(StatusCode.Unauthenticated, otherSecret.StatusCode);

        // A genuine token of another topology of the same cluster speaks for that topology only.
        var otherTopology = await Assert.ThrowsAsync<RpcException>(() => SendOnce(invoker, topology, StormTokens.WorkerToken(Secret, "someone-else-2-1"), garbage));
        Assert.Equal(StatusCode.Unauthenticated, otherTopology.StatusCode);
        var anonymous = await Assert.ThrowsAsync<RpcException>(() => SendOnce(invoker, null, null, garbage));
        Assert.Equal(StatusCode.Unauthenticated, anonymous.StatusCode);
        Assert.DoesNotContain(topology, none.Status.Detail, StringComparison.Ordinal);

        // Bytes that are not HTTP/2 at all.
        using (var socket = new TcpClient())
        {
            await socket.ConnectAsync(endpoint.Host, endpoint.Port);
            var stream = socket.GetStream();
            await stream.WriteAsync(Enumerable.Range(0, 4096).Select(i => (byte)(i * 31)).ToArray());
            var buffer = new byte[256];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (await stream.ReadAsync(buffer, timeout.Token) > 0)
            {
                // Drain until the server closes the connection.
            }
        }

        Assert.Equal(5, cluster.TransportOf(target).Authenticator.Refused);
        Assert.Equal(before, Board.Of(_counts).Counts.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal));
        Assert.Equal(sentences, Board.Of(_key).Acked.Count);
        Assert.Empty(Board.Of(_key).Failed);

        // The worker goes on: its own peers' calls still pass the check.
        var token = cluster.TransportOf(target).Security.Token;
        var valid = await Assert.ThrowsAsync<RpcException>(() => SendOnce(invoker, topology, token, garbage));
        Assert.Equal(StatusCode.InvalidArgument, valid.StatusCode);
    }

    [Fact]
    public async Task TransferPort_APeerThatClosesItsLaneWithoutAFrame_EndsOk()
    {
        // Found by the fuzzer: the handler's empty reply could not be written, so a lane that ended cleanly ended Unknown.
        const int sentences = 500;
        var name = "secure-empty-lane";
        await using var cluster = await TwoWorkers.StartAsync(WordCount(sentences), new Config().SetMaxSpoutPending(500), name, TokenOnly(name));
        await AssertExactWordCountAsync(cluster, sentences);
        var target = cluster.Workers.Single(w => !w.Executors.Any(e => e.IsSpout));
        using var channel = GrpcChannel.ForAddress($"http://{target.Endpoint}");

        await SendOnce(channel.CreateCallInvoker(), cluster.Definition.StormId, cluster.TransportOf(target).Security.Token, frame: null);

        Assert.Equal(0, cluster.TransportOf(target).Authenticator.Refused);
    }

    [Fact]
    public void Check_AFloodOfRefusals_LogsOnceForEachAddressAndABoundedNumberOfLinesForMany()
    {
        var lines = new List<string>();
        var authenticator = new TransferAuthenticator("t-1-1", StormTokens.WorkerToken(Secret, "t-1-1"), new ListLogger(lines));
        var wrong = new Metadata { { TransferMethods.TopologyHeader, "t-1-1" }, { TransferMethods.TokenHeader, "wrong" } };
        IPAddress[] few = [IPAddress.Parse("127.0.0.2"), IPAddress.Parse("127.0.0.3"), IPAddress.Parse("127.0.0.4")];
        for (var i = 0; i < 10_000; i++)
        {
            var e = Assert.Throws<RpcException>(() => authenticator.Check(wrong, few[i % few.Length]));
            Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        }

        Assert.Equal(3, lines.Count);
        Assert.All(few, a => Assert.Single(lines, l => l.Contains(a.ToString() + ":", StringComparison.Ordinal)));

        // Thousands of addresses: each of the first ones once, the rest under one shared entry.
        for (var i = 0; i < 5_000; i++)
        {
            Assert.Throws<RpcException>(() => authenticator.Check(wrong, new IPAddress(BitConverter.GetBytes(0x0100007F + (i << 8)))));
        }

        Assert.InRange(lines.Count, 4, TransferAuthenticator.MaxTrackedPeers + 1);
        Assert.Equal(15_000, authenticator.Refused);

        var right = new Metadata { { TransferMethods.TopologyHeader, "t-1-1" }, { TransferMethods.TokenHeader, StormTokens.WorkerToken(Secret, "t-1-1") } };
        authenticator.Check(right, few[0]);
    }

    [Fact]
    public void Check_WithoutAWorkerToken_LetsEveryCallThrough()
    {
        var authenticator = new TransferAuthenticator("t-1-1", null, new ListLogger([]));
        Assert.False(authenticator.Enabled);
        authenticator.Check(new Metadata(), IPAddress.Loopback);
        Assert.Equal(0, authenticator.Refused);
    }

    [Fact]
    public void SecurityOptions_MessagingTlsWithoutACertificate_IsAConfigurationErrorNamingTheKeys()
    {
        var conf = new Dictionary<string, object?>(ConfigLoader.Defaults) { [ClusterKeys.MessagingTls] = true };

        var e = Assert.Throws<ConfigurationException>(() => ClusterOptions.From(conf, Path.GetTempPath()));

        Assert.Contains(ClusterKeys.MessagingTls, e.Message, StringComparison.Ordinal);
        Assert.Contains(ClusterKeys.TlsCertificatePath, e.Message, StringComparison.Ordinal);
        Assert.Contains(ClusterKeys.TlsKeyPath, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SecurityOptions_AWorkersConfigWithItsTokenAndNoSecret_IsValidAndTurnsTheCheckOn()
    {
        var conf = new Dictionary<string, object?>(ConfigLoader.Defaults)
        {
            [ClusterKeys.AuthScheme] = "token",
            [ClusterKeys.AuthWorkerToken] = StormTokens.WorkerToken(Secret, "t-1-1"),
        };

        var security = ClusterOptions.From(conf, Path.GetTempPath()).Security;

        Assert.Null(security.Secret);
        Assert.Equal(conf[ClusterKeys.AuthWorkerToken], TransferSecurity.From(security).Token);
        Assert.Null(TransferSecurity.From(ClusterOptions.From(ConfigLoader.Defaults, Path.GetTempPath()).Security).Token);

        // A daemon of a secured cluster still needs the secret: what a worker's config holds does not start one.
        var e = Assert.Throws<ConfigurationException>(security.RequireSecret);
        Assert.Contains(ClusterKeys.AuthSecret, e.Message, StringComparison.Ordinal);
    }

    private static TransferSecurity TokenOnly(string name) => new() { Token = StormTokens.WorkerToken(Secret, name + "-1-1") };

    /// <summary>What a worker's config holds on a cluster with worker tokens and <c>storm.messaging.tls</c>.</summary>
    private static Dictionary<string, object?> SecureConf(string name, TestCertificates certificates) => new(ConfigLoader.Defaults)
    {
        [ClusterKeys.AuthScheme] = "token",
        [ClusterKeys.AuthWorkerToken] = StormTokens.WorkerToken(Secret, name + "-1-1"),
        [ClusterKeys.MessagingTls] = true,
        [ClusterKeys.TlsCertificatePath] = certificates.CertificatePath,
        [ClusterKeys.TlsKeyPath] = certificates.KeyPath,
        [ClusterKeys.TlsCaPath] = certificates.CaPath,
    };

    private StormTopology WordCount(long sentences) => TwoWorkers.WordCount(_key, _counts, sentences);

    private async Task AssertExactWordCountAsync(TwoWorkers cluster, int sentences)
    {
        Assert.Equal(2, cluster.Workers.Count);
        Assert.Contains(cluster.Workers.Where(w => w != cluster.WorkerRunning("sentences")).SelectMany(w => w.Executors), e => e.ComponentId == "split");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (Board.Of(_key).Acked.Count < sentences)
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {sentences} sentences acked, have {Board.Of(_key).Acked.Count}");
            await Task.Delay(20);
        }

        Assert.Empty(Board.Of(_key).Failed);
        Assert.All(Board.Of(_key).Acked.Values, v => Assert.Equal(1, v));
        var byWord = Board.Of(_counts).Counts.GroupBy(kv => kv.Key.Split('/')[1]).ToList();
        Assert.Equal(8, byWord.Count);
        Assert.All(byWord, g => Assert.Single(g));
        Assert.Equal(3L * sentences, byWord.Sum(g => g.Single().Value));
    }

    /// <summary>One call of the transfer method with <paramref name="frame"/>, or none when it is null.</summary>
    private static async Task SendOnce(CallInvoker invoker, string? topology, string? token, byte[]? frame)
    {
        var headers = new Metadata { { TransferMethods.FromHeader, "127.0.0.1:1" }, { TransferMethods.LaneHeader, "Data" } };
        if (topology is not null)
        {
            headers.Add(TransferMethods.TopologyHeader, topology);
        }

        if (token is not null)
        {
            headers.Add(TransferMethods.TokenHeader, token);
        }

        using var call = invoker.AsyncClientStreamingCall(TransferMethods.Send, null, new CallOptions(headers, DateTime.UtcNow.AddSeconds(10)));
        try
        {
            if (frame is not null)
            {
                await call.RequestStream.WriteAsync(new OutgoingFrame { Memory = frame });
            }

            await call.RequestStream.CompleteAsync();
        }
        catch (Exception e) when (e is RpcException or IOException or HttpRequestException)
        {
            // The server may end the call (or refuse the connection) before the client finishes writing; the response
            // says why, as an RpcException.
        }

        await call.ResponseAsync;
    }

    private sealed class ListLogger(List<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (lines)
            {
                lines.Add(formatter(state, exception));
            }
        }
    }
}
