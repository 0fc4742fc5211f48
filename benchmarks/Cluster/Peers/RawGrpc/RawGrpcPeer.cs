using System.Diagnostics;
using System.Net;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StormSharp.Benchmarks.Cluster.Measurement;
using StormSharp.Benchmarks.Engine.Peers;
using StormSharp.Runtime.Serialization;

namespace StormSharp.Benchmarks.Cluster.Peers.RawGrpc;

/// <summary>
/// The wire without the engine: in this one process, a Kestrel HTTP/2 server (as a worker's slot port runs) and a
/// gRPC client on a connection of its own (as a worker's lane), one client stream, frames of
/// <see cref="BatchSize"/> ConstSpout tuples encoded by <see cref="TupleBatchWriter"/> for every send, written back
/// to back. The receiver copies each frame into a pooled buffer and counts it, without decoding. Rate: tuples
/// received per second.
/// </summary>
internal static class RawGrpcPeer
{
    /// <summary>Tuples per frame: <c>topology.transfer.batch.size</c> and <c>topology.producer.batch.size</c>'s default.</summary>
    public const int BatchSize = 64;

    public static RunResult Measure(TimeSpan warmup, TimeSpan window) => MeasureAsync(warmup, window).GetAwaiter().GetResult();

    private static async Task<RunResult> MeasureAsync(TimeSpan warmup, TimeSpan window)
    {
        var counters = new RawCounters();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(counters);
        builder.Services.AddGrpc(o => o.MaxReceiveMessageSize = 64 * 1024 * 1024);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2);
        });
        await using var app = builder.Build();
        app.MapGrpcService<RawSink>();
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Urls.First();

        using var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            MaxSendMessageSize = 64 * 1024 * 1024,
            HttpHandler = new SocketsHttpHandler
            {
                ConnectTimeout = TimeSpan.FromSeconds(2),
                KeepAlivePingDelay = TimeSpan.FromSeconds(10),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
                PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            },
        });
        using var stop = new CancellationTokenSource();
        var sender = Task.Run(() => SendAsync(channel, stop.Token));
        RunResult result;
        try
        {
            var process = Process.GetCurrentProcess();
            result = CounterWindow.Measure(
                "raw gRPC",
                () => counters.Frames * BatchSize,
                () =>
                {
                    process.Refresh();
                    return process.TotalProcessorTime.TotalSeconds;
                },
                warmup,
                window);
            var bytesPerTuple = counters.Bytes / (double)(counters.Frames * BatchSize);
            result = result with { Note = $"{BatchSize} tuples per frame, {bytesPerTuple:0.#} frame bytes per tuple; client and server in one process" };
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await sender.ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or RpcException)
            {
                // Stopped mid-write.
            }

            await app.StopAsync().ConfigureAwait(false);
        }

        return result;
    }

    private static async Task SendAsync(GrpcChannel channel, CancellationToken ct)
    {
        using var call = channel.CreateCallInvoker().AsyncClientStreamingCall(RawTransferMethods.Transfer, null, new CallOptions(cancellationToken: ct));
        using var writer = new TupleBatchWriter(new TupleCodec(new StreamTable(["default"])));
        var values = new object?[] { PipelineShape.ConstValue };
        var frame = new RawFrame();
        while (!ct.IsCancellationRequested)
        {
            writer.Reset();
            for (var i = 0; i < BatchSize; i++)
            {
                writer.Add(1, 2, "default", [], values);
            }

            frame.Memory = writer.WrittenMemory;
            await call.RequestStream.WriteAsync(frame, ct).ConfigureAwait(false);
        }
    }
}
