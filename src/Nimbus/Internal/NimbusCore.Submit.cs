using System.Globalization;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using StormSharp.Cluster;
using StormSharp.Cluster.Rpc;
using StormSharp.Packaging;
using StormSharp.Runtime.Configuration;
using StormSharp.Runtime.Execution;
using StormSharp.Runtime.Serialization;
using StormSharp.Topology;

namespace StormSharp.Nimbus.Internal;

internal sealed partial class NimbusCore
{
    /// <summary>
    /// Receives a submit (header, then package chunks), validates all of it without running user code, and only then
    /// stores the blobs, writes the storm base and schedules. A refused submit gets INVALID_ARGUMENT listing every problem.
    /// </summary>
    /// <param name="chunks">The header, then the package's bytes.</param>
    /// <param name="owner">The authenticated submitter; null when security is off (the header's owner is taken).</param>
    /// <param name="ct">Cancels the submit.</param>
    public async Task<string> SubmitAsync(IAsyncStreamReader<SubmitChunk> chunks, string? owner, CancellationToken ct)
    {
        await EnsureLeaderAsync(ct).ConfigureAwait(false);
        if (!await chunks.MoveNext(ct).ConfigureAwait(false) || chunks.Current.PartCase != SubmitChunk.PartOneofCase.Header)
        {
            throw RpcErrors.InvalidArgument("a submit must start with its header");
        }

        var header = chunks.Current.Header;
        var name = header.Name;
        var problems = new List<string>();
        if (await FindByNameAsync(name, ct).ConfigureAwait(false) is not null)
        {
            throw RpcErrors.AlreadyExists(name);
        }

        if (string.IsNullOrEmpty(header.EntryAssembly))
        {
            problems.Add("the header names no entry assembly");
        }

        StormTopology? topology = null;
        Dictionary<string, object?>? effective = null;
        TopologyDefinition? definition = null;
        try
        {
            var (t, own) = TopologyDocument.Read(header.TopologyDocument.Span);
            topology = t;
            problems.AddRange(TopologyValidator.Validate(name, topology));
            effective = EffectiveConfig(name, own);
            definition = new TopologyDefinition(name, name, topology, effective, _ => null, rebuildComponents: false);
        }
        catch (InvalidDataException e)
        {
            problems.Add(e.Message);
        }
        catch (InvalidTopologyException e)
        {
            problems.AddRange(e.Problems.Count > 0 ? e.Problems : [e.Message]);
        }

        await using var upload = new PackageUpload(_options.InboxDirectory);
        try
        {
            while (await chunks.MoveNext(ct).ConfigureAwait(false))
            {
                if (chunks.Current.PartCase != SubmitChunk.PartOneofCase.Data)
                {
                    throw new PackageException("a submit carries one header, before the package; another came after it");
                }

                await upload.WriteAsync(chunks.Current.Data.Memory, ct).ConfigureAwait(false);
            }
        }
        catch (PackageException e)
        {
            throw Refused(name, [.. problems, e.Message]);
        }

        UploadedPackage? package = null;
        try
        {
            package = upload.Complete(header.PackageSha256, header.PackageLength);
        }
        catch (PackageException e)
        {
            problems.Add(e.Message);
        }

        if (package is not null)
        {
            problems.AddRange(InspectPackage(package, header.EntryAssembly, topology));
        }

        if (problems.Count > 0 || topology is null || effective is null || definition is null || package is null)
        {
            throw Refused(name, problems);
        }

        var document = TopologyDocument.Write(topology, effective);
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await EnsureLeaderAsync(ct).ConfigureAwait(false);
            if (await FindByNameAsync(name, ct).ConfigureAwait(false) is not null)
            {
                throw RpcErrors.AlreadyExists(name);
            }

            var id = await NewTopologyIdAsync(name, ct).ConfigureAwait(false);
            var packageKey = id + "-package";
            var documentKey = id + "-document";
            await using (var s = File.OpenRead(package.Path))
            {
                await _blobs.PutAsync(packageKey, s, package.Sha256, ct).ConfigureAwait(false);
            }

            await _blobs.PutAsync(documentKey, new MemoryStream(document), null, ct).ConfigureAwait(false);
            await _state.AddBlobHolderAsync(packageKey, NimbusId, ct).ConfigureAwait(false);
            await _state.AddBlobHolderAsync(documentKey, NimbusId, ct).ConfigureAwait(false);
            await WaitForReplicationAsync(effective, [packageKey, documentKey], ct).ConfigureAwait(false);
            var stormBase = new StormBase
            {
                Name = name,
                Status = TopologyStatus.Active,
                PreviousStatus = TopologyStatus.Active,
                NumWorkers = definition.Workers,
                LaunchTimeMs = NowMs,
                Owner = owner ?? (string.IsNullOrEmpty(header.Owner) ? "unknown" : header.Owner),
                PackageKey = packageKey,
                PackageChecksum = "sha256:" + package.Sha256,
                DocumentKey = documentKey,
                EntryAssembly = header.EntryAssembly,
            };
            foreach (var (component, count) in ExecutorCounts(definition))
            {
                stormBase.ComponentExecutors[component] = count;
            }

            await _state.SetStormBaseAsync(id, stormBase, StateVersion.Absent, ct).ConfigureAwait(false);
            _logger.LogInformation("Submitted topology {Name} as {Id}: {Workers} workers, {Executors} executors", name, id, definition.Workers, definition.Executors.Count);
            await ScheduleTopologyAsync(id, stormBase, current: null, await SnapshotAsync(ct).ConfigureAwait(false), ct).ConfigureAwait(false);
            return id;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Defaults, then Nimbus's storm.yaml, then the topology's own config; normalized as Storm does, so that the acker
    /// count is fixed at submit (a later rebalance of workers must not renumber tasks) and the name is known to workers.
    /// </summary>
    private Dictionary<string, object?> EffectiveConfig(string name, IReadOnlyDictionary<string, object?> own)
    {
        var conf = new Dictionary<string, object?>(ConfigLoader.Defaults, StringComparer.Ordinal);
        foreach (var (k, v) in _conf)
        {
            conf[k] = v;
        }

        foreach (var (k, v) in own)
        {
            conf[k] = v;
        }

        if (conf.GetValueOrDefault(Config.TopologyAckerExecutors) is null)
        {
            conf[Config.TopologyAckerExecutors] = conf.GetValueOrDefault(Config.TopologyWorkers);
        }

        conf[Config.TopologyName] = name;
        return conf;
    }

    /// <summary>Unpacks into a scratch folder and checks every component type as metadata; the folder is removed after.</summary>
    private List<string> InspectPackage(UploadedPackage package, string entryAssembly, StormTopology? topology)
    {
        var problems = new List<string>();
        var scratch = Path.Combine(ScratchDirectory, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(ScratchDirectory);
        try
        {
            var manifest = TopologyPackage.Unpack(package.Path, scratch);
            if (!string.Equals(manifest.EntryAssembly, entryAssembly, StringComparison.Ordinal))
            {
                problems.Add($"the header names entry assembly '{entryAssembly}' but the package's manifest names '{manifest.EntryAssembly}'");
            }

            if (topology is not null)
            {
                problems.AddRange(PackageInspector.Inspect(scratch, manifest.EntryAssembly, ComponentType.AllOf(topology)));
            }
        }
        catch (PackageException e)
        {
            problems.Add(e.Message);
        }
        finally
        {
            if (Directory.Exists(scratch))
            {
                Directory.Delete(scratch, recursive: true);
            }
        }

        return problems;
    }

    private RpcException Refused(string name, IReadOnlyList<string> problems)
    {
        _logger.LogWarning("Refused topology {Name}: {Problems}", name, string.Join("; ", problems));
        return RpcErrors.InvalidArgument($"topology '{name}' was refused: " + string.Join("; ", problems));
    }

    /// <summary>Storm's <c>name-counter-timestamp</c>, skipping any id already in use.</summary>
    private async Task<string> NewTopologyIdAsync(string name, CancellationToken ct)
    {
        var secs = (NowMs / 1000).ToString(CultureInfo.InvariantCulture);
        while (true)
        {
            var id = $"{name}-{Interlocked.Increment(ref _submitted).ToString(CultureInfo.InvariantCulture)}-{secs}";
            if (await _state.GetStormBaseAsync(id, ct).ConfigureAwait(false) is null && _blobs.TryGetMetadata(id + "-package") is null)
            {
                return id;
            }
        }
    }
}
