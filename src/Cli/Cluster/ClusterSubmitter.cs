using Google.Protobuf;
using Grpc.Core;
using StormSharp.Cluster.Rpc;
using StormSharp.Packaging;
using StormSharp.Runtime.Serialization;
using StormSharp.Topology;

namespace StormSharp.Cli.Cluster;

/// <summary>
/// Where <see cref="StormSubmitter"/> sends topologies under <c>storm jar</c>: writes the topology document, packs
/// the user's build output folder (entry: the user's assembly) and streams both to the leading Nimbus.
/// </summary>
internal sealed class ClusterSubmitter(NimbusClient nimbus, string assemblyPath, IReadOnlyDictionary<string, object?> overrides, CancellationToken ct) : ITopologySubmitter
{
    /// <summary>Bytes per package chunk: 1 MiB.</summary>
    private const int ChunkBytes = 1024 * 1024;

    /// <summary>How long one submit may take once the leader is found: 5 minutes, for large packages.</summary>
    private static readonly TimeSpan SubmitTimeout = TimeSpan.FromMinutes(5);

    private readonly List<(string Name, string Id)> _submitted = [];

    /// <summary>Every topology submitted so far, with the id Nimbus gave it.</summary>
    public IReadOnlyList<(string Name, string Id)> Submitted => _submitted;

    public void Submit(string name, IReadOnlyDictionary<string, object?> config, StormTopology topology)
    {
        // StormSubmitter.SubmitTopology is synchronous, as in Storm; the program's Main runs on this thread.
        var id = SubmitAsync(name, config, topology).GetAwaiter().GetResult();
        _submitted.Add((name, id));
    }

    private async Task<string> SubmitAsync(string name, IReadOnlyDictionary<string, object?> config, StormTopology topology)
    {
        var conf = new Dictionary<string, object?>(config, StringComparer.Ordinal);
        foreach (var (k, v) in overrides)
        {
            conf[k] = v;
        }

        var document = TopologyDocument.Write(topology, conf);
        var packagePath = Path.Combine(Path.GetTempPath(), "stormsharp-jar-" + Guid.NewGuid().ToString("N") + ".zip");
        try
        {
            PackResult packed;
            await using (var file = File.Create(packagePath))
            {
                packed = TopologyPackage.Pack(Path.GetDirectoryName(assemblyPath)!, Path.GetFileName(assemblyPath), file);
            }

            return await nimbus.CallAsync(
                async (client, deadline) =>
                {
                    using var call = client.SubmitTopology(deadline: deadline, cancellationToken: ct);
                    try
                    {
                        await call.RequestStream.WriteAsync(new SubmitChunk
                        {
                            Header = new SubmitHeader
                            {
                                Name = name,
                                TopologyDocument = ByteString.CopyFrom(document),
                                EntryAssembly = Path.GetFileName(assemblyPath),
                                PackageLength = packed.Length,
                                PackageSha256 = packed.Sha256,
                                Owner = Environment.UserName,
                            },
                        }).ConfigureAwait(false);
                        await using var package = File.OpenRead(packagePath);
                        var buffer = new byte[ChunkBytes];
                        int n;
                        while ((n = await package.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, ct).ConfigureAwait(false)) > 0)
                        {
                            await call.RequestStream.WriteAsync(new SubmitChunk { Data = ByteString.CopyFrom(buffer, 0, n) }).ConfigureAwait(false);
                        }

                        await call.RequestStream.CompleteAsync().ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is RpcException or InvalidOperationException)
                    {
                        // Nimbus answered before taking the whole package (a refusal, or not the leader): its answer is the response.
                    }

                    return (await call.ResponseAsync.ConfigureAwait(false)).TopologyId;
                },
                SubmitTimeout,
                ct).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            throw ClusterCommands.Refused("jar", e, nimbus.Credentials);
        }
        finally
        {
            File.Delete(packagePath);
        }
    }
}
