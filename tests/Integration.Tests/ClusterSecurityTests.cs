using System.Text;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using StormSharp.Cluster.Rpc;
using StormSharp.Cluster.Security;
using StormSharp.Integration.Tests.Infrastructure;
using StormSharp.Tests.Shared;
using StormSharp.ZooKeeper.Tests.Infrastructure;

namespace StormSharp.Integration.Tests;

/// <summary>
/// A secured cluster's worker transport, all real: two supervisors that hand their workers the topology's token,
/// worker processes that speak TLS to each other (<c>storm.messaging.tls</c>), a stranger on a slot port, and a
/// topology secret that must not show anywhere but in what workers read.
/// </summary>
[Collection(StandaloneCollection.Name)]
public sealed class ClusterSecurityTests(StandaloneServerFixture zooKeeper)
{
    /// <summary>The transfer method as a stranger would call it: raw bytes, no StormSharp code.</summary>
    private static readonly Method<byte[], byte[]> Transfer = new(
        MethodType.ClientStreaming,
        "stormsharp.worker.Transfer",
        "Transfer",
        Marshallers.Create(b => b, b => b),
        Marshallers.Create(b => b, b => b));

    [Fact]
    public async Task SecureCluster_WordCountOnTwoSupervisorsOverTls_RunsAndAStrangerOnASlotPortIsRefused()
    {
        using var certificates = TestCertificates.Create();
        var secret = "cluster-secret-" + Guid.NewGuid().ToString("N");
        var password = "db-password-" + Guid.NewGuid().ToString("N");
        await using var rig = await ClusterRig.StartAsync(zooKeeper, new Dictionary<string, object?>
        {
            ["storm.auth.scheme"] = "token",
            ["storm.auth.secret"] = secret,
            ["storm.messaging.tls"] = true,
            ["storm.tls.certificate.path"] = certificates.CertificatePath,
            ["storm.tls.key.path"] = certificates.KeyPath,
            ["storm.tls.ca.path"] = certificates.CaPath,
        });
        rig.WatchDaemonLogs(secret);
        rig.WatchDaemonLogs(password);
        await rig.StartSupervisorAsync("a");
        await rig.StartSupervisorAsync("b");

        var id = await rig.SubmitWordCountAsync(2, "-c", $"my.db.password={password}");
        TopologyInfo info = null!;
        await rig.UntilAsync(
            async () =>
            {
                info = await rig.InfoAsync(id);
                return info.Workers.Count == 2 && ClusterRig.Component(info, "sentences").Acked > 50 && ClusterRig.Component(info, "count").Executed > 0;
            },
            "both workers, one per supervisor, to ack sentences over TLS with their tokens",
            ClusterRig.WorkerStart);
        Assert.Equal(2, info.Workers.Select(w => w.SupervisorId).Distinct().Count());
        Assert.Equal(0, ClusterRig.Component(info, "sentences").Failed);

        // A stranger that trusts the cluster's CA (so TLS itself succeeds) but holds no token, or a wrong one.
        var worker = info.Workers[0];
        var handler = new SocketsHttpHandler();
        new ClientSecurity { Tls = true, TrustedAuthorities = TlsFiles.LoadAuthorities(certificates.CaPath) }.ConfigureTls(handler.SslOptions);
        using (var channel = GrpcChannel.ForAddress($"https://{worker.Host}:{worker.Port}", new GrpcChannelOptions { HttpHandler = handler }))
        {
            var invoker = channel.CreateCallInvoker();
            byte[] garbage = [0xde, 0xad, 0xbe, 0xef, 1, 2, 3];
            var without = await Assert.ThrowsAsync<RpcException>(() => SendAsync(invoker, id, token: null, garbage));
            Assert.Equal(StatusCode.Unauthenticated, without.StatusCode);
            var wrong = await Assert.ThrowsAsync<RpcException>(() =>
                SendAsync(invoker, id, StormTokens.WorkerToken(Encoding.UTF8.GetBytes("not-the-cluster-secret-but-as-long-as-one"), id), garbage));
            Assert.Equal(StatusCode.Unauthenticated, wrong.StatusCode);
        }

        // Plain HTTP/2 to a TLS port goes nowhere.
        using (var plain = GrpcChannel.ForAddress($"http://{worker.Host}:{worker.Port}"))
        {
            var e = await Assert.ThrowsAsync<RpcException>(() => SendAsync(plain.CreateCallInvoker(), id, token: null, [1]));
            Assert.NotEqual(StatusCode.OK, e.StatusCode);
        }

        // The workers go on, nothing failed, and the refusal is in the worker's log with the caller's address.
        await rig.UntilAckingAsync(id, "after the stranger's calls", by: 50);
        Assert.Equal(0, ClusterRig.Component(await rig.InfoAsync(id), "sentences").Failed);
        var workerLogs = rig.AllWorkerLogs();
        Assert.Contains("Refused a transfer call from 127.0.0.1", workerLogs, StringComparison.Ordinal);

        // Redaction: the UI's source (GetTopologyConf) masks the password; the document workers read holds it.
        var conf = await rig.Client.GetTopologyConfAsync(new TopologyRequest { Id = id }, deadline: DateTime.UtcNow.AddSeconds(10)).ResponseAsync.Within("GetTopologyConf");
        Assert.DoesNotContain(password, conf.Json, StringComparison.Ordinal);
        using (var shown = JsonDocument.Parse(conf.Json))
        {
            Assert.Equal("*****", shown.RootElement.GetProperty("my.db.password").GetString());
        }

        var document = await rig.Client.GetTopologyDocumentAsync(new TopologyRequest { Id = id }, deadline: DateTime.UtcNow.AddSeconds(10)).ResponseAsync.Within("GetTopologyDocument");
        Assert.Contains(password, document.Document.ToStringUtf8(), StringComparison.Ordinal);

        // Neither the cluster's secret nor the topology's password is in any log, daemons' or workers'.
        Assert.Equal(0, rig.DaemonLogHits);
        Assert.DoesNotContain(secret, workerLogs, StringComparison.Ordinal);
        Assert.DoesNotContain(password, workerLogs, StringComparison.Ordinal);
    }

    private static async Task SendAsync(CallInvoker invoker, string topologyId, string? token, byte[] frame)
    {
        var headers = new Metadata { { "storm-topology-id", topologyId }, { "storm-from-worker", "127.0.0.1:1" }, { "storm-lane", "Data" } };
        if (token is not null)
        {
            headers.Add("storm-worker-token", token);
        }

        using var call = invoker.AsyncClientStreamingCall(Transfer, null, new CallOptions(headers, DateTime.UtcNow.AddSeconds(10)));
        try
        {
            await call.RequestStream.WriteAsync(frame);
            await call.RequestStream.CompleteAsync();
        }
        catch (Exception e) when (e is RpcException or IOException or HttpRequestException)
        {
            // Refused (or the connection was) before the writes finished; the response says why, as an RpcException.
        }

        await call.ResponseAsync;
    }
}
