using System.Collections.Concurrent;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using StormSharp.Cluster;
using StormSharp.Cluster.Rpc;
using StormSharp.Cluster.Security;
using StormSharp.Packaging;
using StormSharp.Runtime.Configuration;
using StormSharp.Topology;
using GrpcNimbus = StormSharp.Cluster.Rpc.Nimbus;

namespace StormSharp.Nimbus.Internal;

/// <summary>
/// Blob replication between Nimbus, as Storm's code distribution does it: every Nimbus copies, from any Nimbus that
/// records holding it under <c>/blobstore/&lt;key&gt;</c>, each blob it lacks, and records itself as a holder. A Nimbus
/// that wins the election acts as leader only once it holds the blobs of every topology (Storm's rule); if another
/// live Nimbus holds what it cannot get, it gives the leadership up to it.
/// </summary>
internal sealed partial class NimbusCore
{
    /// <summary>A local blob no longer recorded in the cluster state is deleted once it is this old (a put in flight is younger).</summary>
    private static readonly TimeSpan UnrecordedBlobGrace = TimeSpan.FromSeconds(60);

    private readonly ConcurrentDictionary<string, GrpcChannel> _peers = new(StringComparer.Ordinal);

    /// <summary>How this Nimbus reaches the others (TLS, its daemon token); set before serving.</summary>
    public ClientSecurity PeerSecurity { get; set; } = ClientSecurity.None;
    private readonly SemaphoreSlim _syncGate = new(1, 1);
    private readonly HashSet<string> _recordedAsHolder = new(StringComparer.Ordinal);
    private volatile bool _leaderReady;
    private int _takingOver;

    /// <summary>Whether this Nimbus leads and holds what leading needs.</summary>
    public bool IsLeader => _state.IsLeader && _leaderReady;

    /// <summary>Every <c>nimbus.code.sync.freq.secs</c>: copy what this Nimbus lacks; a failed round is logged and the next one retries.</summary>
    public async Task RunBlobSyncAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(_options.CodeSyncFrequency, _time);
        try
        {
            do
            {
                try
                {
                    await SyncBlobsAsync(ct).ConfigureAwait(false);
                }
                catch (Exception e) when (e is ClusterStateUnavailableException or IOException or RpcException)
                {
                    _logger.LogDebug("Blob sync round failed; the next one retries: {Message}", e.Message);
                }
            }
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>Copies every recorded blob this Nimbus lacks; returns the keys still missing.</summary>
    internal async Task<IReadOnlyList<string>> SyncBlobsAsync(CancellationToken ct)
    {
        await _syncGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var recorded = await _state.GetBlobKeysAsync(ct).ConfigureAwait(false);
            var missing = new List<string>();
            foreach (var key in recorded)
            {
                if (_blobs.TryGetMetadata(key) is not null)
                {
                    // A copy kept from an earlier run of this Nimbus (under another id when its port is picked anew).
                    if (!_recordedAsHolder.Contains(key))
                    {
                        await _state.AddBlobHolderAsync(key, NimbusId, ct).ConfigureAwait(false);
                        _recordedAsHolder.Add(key);
                    }
                }
                else if (await CopyFromHoldersAsync(key, ct).ConfigureAwait(false))
                {
                    _recordedAsHolder.Add(key);
                }
                else
                {
                    missing.Add(key);
                }
            }

            _recordedAsHolder.IntersectWith(recorded);
            DropUnrecordedBlobs(recorded);
            return missing;
        }
        finally
        {
            _syncGate.Release();
        }
    }

    /// <summary>Called when the election makes this Nimbus first in line: get what leading needs, or step aside.</summary>
    private void BeginTakeOver()
    {
        if (Interlocked.Exchange(ref _takingOver, 1) != 0)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await TakeOverAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // Leading without every blob is better than not leading at all; the sync loop keeps trying.
                _logger.LogError(e, "Taking over as leader failed; leading without checking the blobs");
                _leaderReady = _state.IsLeader;
            }
            finally
            {
                Interlocked.Exchange(ref _takingOver, 0);
                Wake();
            }
        });
    }

    private async Task TakeOverAsync(CancellationToken ct)
    {
        var needed = await NeededBlobsAsync(ct).ConfigureAwait(false);
        var missing = needed.Where(k => _blobs.TryGetMetadata(k) is null).ToList();
        if (missing.Count > 0)
        {
            await SyncBlobsAsync(ct).ConfigureAwait(false);
            missing = [.. missing.Where(k => _blobs.TryGetMetadata(k) is null)];
        }

        if (!_state.IsLeader)
        {
            return;
        }

        if (missing.Count == 0)
        {
            _leaderReady = true;
            _logger.LogInformation("Nimbus {Id} holds the blobs of every topology and leads", NimbusId);
            return;
        }

        // Someone alive holds what this one cannot copy: let it lead (Storm's rule), from the back of the queue.
        var alive = (await _state.GetNimbusesAsync(ct).ConfigureAwait(false)).Select(n => $"{n.Host}:{n.Port}").Where(id => id != NimbusId).ToHashSet(StringComparer.Ordinal);
        foreach (var other in alive)
        {
            var holdsAll = true;
            foreach (var key in missing)
            {
                holdsAll &= (await _state.GetBlobHoldersAsync(key, ct).ConfigureAwait(false)).Contains(other, StringComparer.Ordinal);
            }

            if (holdsAll)
            {
                _logger.LogWarning("Nimbus {Id} lacks {Blobs}, which {Other} holds: giving the leadership up", NimbusId, string.Join(", ", missing), other);
                await _state.LeaveLeaderElectionAsync().ConfigureAwait(false);
                await _state.JoinLeaderElectionAsync(NimbusId, ct).ConfigureAwait(false);
                return;
            }
        }

        _leaderReady = true;
        _logger.LogError(
            "Nimbus {Id} leads without {Blobs}: no live Nimbus holds them; their topologies cannot be rescheduled until a Nimbus that holds them returns",
            NimbusId,
            string.Join(", ", missing));
    }

    /// <summary>The package and document keys of every topology in the cluster state.</summary>
    private async Task<List<string>> NeededBlobsAsync(CancellationToken ct)
    {
        var keys = new List<string>();
        foreach (var id in await _state.GetActiveStormsAsync(ct).ConfigureAwait(false))
        {
            var stormBase = await _state.GetStormBaseAsync(id, ct).ConfigureAwait(false);
            if (stormBase is not null)
            {
                keys.AddRange(new[] { stormBase.Value.PackageKey, stormBase.Value.DocumentKey }.Where(k => k.Length > 0));
            }
        }

        return keys;
    }

    private async Task<bool> CopyFromHoldersAsync(string key, CancellationToken ct)
    {
        foreach (var holder in await _state.GetBlobHoldersAsync(key, ct).ConfigureAwait(false))
        {
            if (holder == NimbusId)
            {
                continue;
            }

            try
            {
                await DownloadBlobAsync(holder, key, ct).ConfigureAwait(false);
                await _state.AddBlobHolderAsync(key, NimbusId, ct).ConfigureAwait(false);
                _logger.LogInformation("Copied blob {Key} from {Holder}", key, holder);
                return true;
            }
            catch (Exception e) when (e is RpcException or IOException or PackageException or HttpRequestException)
            {
                _logger.LogDebug("Copying blob {Key} from {Holder} failed: {Message}", key, holder, e.Message);
            }
        }

        return false;
    }

    private async Task DownloadBlobAsync(string holder, string key, CancellationToken ct)
    {
        var channel = _peers.GetOrAdd(holder, h => PeerSecurity.Channel(h, 4 * DownloadChunkBytes, TimeSpan.FromSeconds(5)));
        var client = new GrpcNimbus.NimbusClient(channel);
        Directory.CreateDirectory(ScratchDirectory);
        var scratch = Path.Combine(ScratchDirectory, "copy-" + Guid.NewGuid().ToString("N"));
        try
        {
            string sha256;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                timeout.CancelAfter(TimeSpan.FromMinutes(2));
                using var call = client.DownloadBlob(new BlobRequest { Key = key }, cancellationToken: timeout.Token);
                await using var file = File.Create(scratch);
                sha256 = string.Empty;
                await foreach (var chunk in call.ResponseStream.ReadAllAsync(timeout.Token).ConfigureAwait(false))
                {
                    if (chunk.Sha256.Length > 0)
                    {
                        sha256 = chunk.Sha256;
                    }

                    await file.WriteAsync(chunk.Data.Memory, timeout.Token).ConfigureAwait(false);
                }
            }

            await using var read = File.OpenRead(scratch);
            await _blobs.PutAsync(key, read, sha256.Length > 0 ? sha256 : null, ct).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(scratch);
        }
    }

    /// <summary>Any Nimbus serves the blobs it holds, to the other Nimbus.</summary>
    public async Task DownloadBlobAsync(BlobRequest request, IServerStreamWriter<BlobChunk> writer, CancellationToken ct)
    {
        try
        {
            LocalBlobStore.ValidateKey(request.Key);
        }
        catch (ArgumentException e)
        {
            throw RpcErrors.InvalidArgument(e.Message);
        }

        var metadata = _blobs.TryGetMetadata(request.Key) ?? throw new RpcException(new Status(StatusCode.NotFound, $"this Nimbus holds no copy of blob '{request.Key}'"));
        await using var s = _blobs.OpenRead(request.Key);
        var buffer = new byte[DownloadChunkBytes];
        var first = true;
        int n;
        while ((n = await s.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, ct).ConfigureAwait(false)) > 0 || first)
        {
            var chunk = new BlobChunk { Data = ByteString.CopyFrom(buffer, 0, n) };
            if (first)
            {
                chunk.Sha256 = metadata.Sha256;
                chunk.Length = metadata.Size;
                first = false;
            }

            await writer.WriteAsync(chunk, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Storm's <c>topology.min.replication.count</c>: after storing a new topology's blobs, wait until that many Nimbus
    /// hold them, at most <c>topology.max.replication.wait.time.sec</c> (-1: without bound), then go on either way.
    /// </summary>
    private async Task WaitForReplicationAsync(IReadOnlyDictionary<string, object?> conf, IReadOnlyList<string> keys, CancellationToken ct)
    {
        var wanted = ConfigValues.GetInt(conf, Config.TopologyMinReplicationCount, 1);
        if (wanted <= 1)
        {
            return;
        }

        var waitSecs = ConfigValues.GetInt(conf, Config.TopologyMaxReplicationWaitTimeSec, 60);
        var deadline = waitSecs < 0 ? long.MaxValue : NowMs + (waitSecs * 1000L);
        var have = 0;
        while (true)
        {
            have = int.MaxValue;
            foreach (var key in keys)
            {
                have = Math.Min(have, (await _state.GetBlobHoldersAsync(key, ct).ConfigureAwait(false)).Count);
            }

            if (have >= wanted || NowMs >= deadline)
            {
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), _time, ct).ConfigureAwait(false);
        }

        if (have < wanted)
        {
            _logger.LogWarning("{Keys} held by {Have} Nimbus after {Secs} s, fewer than topology.min.replication.count {Wanted}; going on", string.Join(", ", keys), have, waitSecs, wanted);
        }
    }

    private void DropUnrecordedBlobs(IReadOnlyList<string> recorded)
    {
        var known = recorded.ToHashSet(StringComparer.Ordinal);
        var now = _time.GetUtcNow();
        foreach (var key in _blobs.ListKeys())
        {
            if (!known.Contains(key) && _blobs.TryGetMetadata(key) is { } m && now - m.Created > UnrecordedBlobGrace)
            {
                _blobs.Delete(key);
                _logger.LogInformation("Deleted blob {Key}: no longer recorded in the cluster", key);
            }
        }
    }

    /// <summary>Closes the channels to the other Nimbus.</summary>
    public void DisposePeers()
    {
        foreach (var channel in _peers.Values)
        {
            channel.Dispose();
        }

        _peers.Clear();
    }
}
