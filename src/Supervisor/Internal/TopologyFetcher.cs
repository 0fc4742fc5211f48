using System.Text.Json;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using StormSharp.Cluster.Rpc;
using StormSharp.Packaging;
using StormSharp.Runtime.Serialization;
using StormSharp.Worker;

namespace StormSharp.Supervisor.Internal;

/// <summary>
/// Brings each assigned topology's package and document from the leading Nimbus into
/// <c>stormdist/&lt;topology-id&gt;/</c> once: downloaded to a temporary file, checksum verified, unpacked all or
/// nothing, the document and then <see cref="DistInfo"/> written last. A failure is logged and retried with
/// backoff (1 s doubling to 1 min); it never stops the supervisor.
/// </summary>
internal sealed class TopologyFetcher(string localDir, NimbusLeaderClient nimbus, ILogger logger)
{
    /// <summary>How long one package download may stream: a large package takes longer than an ordinary call.</summary>
    private static readonly TimeSpan DownloadTimeout = TimeSpan.FromMinutes(5);

    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(1);

    private readonly Dictionary<string, (DateTime NextAttempt, TimeSpan Backoff)> _failures = new(StringComparer.Ordinal);

    public string StormDist { get; } = WorkerLayout.StormDistDirectory(localDir);

    /// <summary>Whether the topology is ready to run here; fetches it when not yet, unless its last failure is too recent.</summary>
    public async Task<bool> EnsureAsync(string topologyId, CancellationToken cancellationToken)
    {
        var dir = WorkerLayout.TopologyDirectory(localDir, topologyId);
        if (DistInfo.TryRead(dir) is not null)
        {
            return true;
        }

        if (_failures.TryGetValue(topologyId, out var failure) && DateTime.UtcNow < failure.NextAttempt)
        {
            return false;
        }

        var download = Path.Combine(StormDist, ".download-" + topologyId + "-" + Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(StormDist);
            if (Directory.Exists(dir))
            {
                // An unpack whose document never got written: start over.
                Directory.Delete(dir, recursive: true);
            }

            var request = new TopologyRequest { Id = topologyId };
            var reply = await nimbus.CallAsync(async (c, deadline, ct) => await c.GetTopologyDocumentAsync(request, deadline: deadline, cancellationToken: ct), cancellationToken).ConfigureAwait(false);
            _ = TopologyDocument.Read(reply.Document.Span);
            await nimbus.CallAsync(
                async (c, deadline, ct) =>
                {
                    await using var file = new FileStream(download, FileMode.Create, FileAccess.Write, FileShare.None);
                    using var call = c.DownloadPackage(request, deadline: deadline, cancellationToken: ct);
                    await foreach (var chunk in call.ResponseStream.ReadAllAsync(ct).ConfigureAwait(false))
                    {
                        await file.WriteAsync(chunk.Data.Memory, ct).ConfigureAwait(false);
                    }

                    return true;
                },
                DownloadTimeout,
                cancellationToken).ConfigureAwait(false);
            var length = new FileInfo(download).Length;
            if (length != reply.PackageLength)
            {
                throw new PackageException($"the package downloaded is {length} bytes; Nimbus announced {reply.PackageLength}");
            }

            TopologyPackage.VerifyChecksum(download, reply.PackageSha256);
            var manifest = TopologyPackage.Unpack(download, dir);
            WorkerLayout.WriteAtomically(Path.Combine(dir, WorkerLayout.DocumentFileName), reply.Document.Span);
            new DistInfo(manifest.EntryAssembly, reply.PackageSha256.ToLowerInvariant()).Write(dir);
            _failures.Remove(topologyId);
            logger.LogInformation("Topology {Topology}: package ({Bytes} bytes, {Entry}) ready in {Directory}", topologyId, length, manifest.EntryAssembly, dir);
            return true;
        }
        catch (Exception e) when (e is RpcException or PackageException or IOException or InvalidDataException or UnauthorizedAccessException or JsonException)
        {
            var backoff = failure.Backoff == TimeSpan.Zero ? FirstBackoff : TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, failure.Backoff.Ticks * 2));
            _failures[topologyId] = (DateTime.UtcNow + backoff, backoff);
            logger.LogWarning("Topology {Topology}: could not fetch its package ({Problem}); retrying in {Backoff}", topologyId, e.Message, backoff);
            return false;
        }
        finally
        {
            File.Delete(download);
        }
    }

    /// <summary>Deletes the unpacked topologies not in <paramref name="keep"/> (and forgets their failures).</summary>
    public void RemoveAllBut(IReadOnlySet<string> keep)
    {
        foreach (var key in _failures.Keys.Where(k => !keep.Contains(k)).ToList())
        {
            _failures.Remove(key);
        }

        if (!Directory.Exists(StormDist))
        {
            return;
        }

        foreach (var dir in Directory.EnumerateDirectories(StormDist))
        {
            var name = Path.GetFileName(dir);
            if (name.StartsWith('.') || keep.Contains(name))
            {
                continue;
            }

            try
            {
                Directory.Delete(dir, recursive: true);
                logger.LogInformation("Topology {Topology}: no longer assigned here; its package is removed", name);
            }
            catch (IOException e)
            {
                logger.LogWarning("Could not remove {Directory}: {Problem}", dir, e.Message);
            }
        }
    }
}
