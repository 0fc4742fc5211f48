using System.Diagnostics;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using StormSharp.Cluster.Security;
using StormSharp.Runtime.Configuration;
using StormSharp.Worker;

namespace StormSharp.Supervisor.Internal;

/// <summary>
/// Starts worker processes: <c>&lt;dotnet&gt; StormSharp.Worker.dll &lt;topology-id&gt; &lt;supervisor-id&gt; &lt;port&gt; &lt;worker-id&gt; --config &lt;worker-dir&gt;/storm-conf.json</c>,
/// in the worker's folder, with the supervisor's environment (so <c>STORM_CONF_DIR</c> and <c>DOTNET_GCgen0size</c>
/// are the same) and stdout and stderr appended to <c>workers-artifacts/&lt;topology-id&gt;/&lt;port&gt;/worker.log</c>.
/// </summary>
/// <remarks>
/// The output goes to the file through a shell that redirects and then execs the worker, so the worker writes to
/// the file itself: no pipe through the supervisor that would break when the supervisor restarts, and the pid is
/// the worker's. The config file is the supervisor's effective config (JSON, which the YAML reader reads) with
/// <c>storm.local.dir</c> and <c>storm.log.dir</c> made absolute, so the worker reads the same ZooKeeper and Nimbus
/// settings whatever its working folder. It never holds the cluster's secret: on a secured cluster it holds the
/// topology's worker token (<c>storm.auth.worker.token</c>) instead, and only its owner may read it (mode 0600).
/// </remarks>
internal sealed class WorkerLauncher(SupervisorSettings settings)
{
    private const string LogVariable = "STORMSHARP_WORKER_LOG";

    private static readonly JsonSerializerOptions ConfJson = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public LocalWorker Launch(string topologyId, int port, string executors)
    {
        var workerId = Guid.NewGuid().ToString("N");
        var dir = WorkerLayout.WorkerDirectory(settings.Options.LocalDir, workerId);
        Directory.CreateDirectory(dir);
        var record = new LaunchRecord(workerId, topologyId, port, executors, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        WorkerLayout.WriteAtomically(Path.Combine(dir, WorkerLayout.LaunchFileName), JsonSerializer.SerializeToUtf8Bytes(record));
        var confPath = Path.Combine(dir, WorkerLayout.ConfFileName);
        WorkerLayout.WriteAtomically(confPath, JsonSerializer.SerializeToUtf8Bytes(WorkerConf(settings, topologyId), ConfJson), ownerOnly: true);
        var log = WorkerLayout.LogFile(settings.Options.LogDir, topologyId, port);
        Directory.CreateDirectory(Path.GetDirectoryName(log)!);

        var start = new ProcessStartInfo("/bin/sh")
        {
            UseShellExecute = false,
            WorkingDirectory = dir,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"exec \"$0\" \"$@\" >>\"${LogVariable}\" 2>&1");
        start.ArgumentList.Add(settings.DotnetPath);
        start.ArgumentList.Add(settings.WorkerAssemblyPath);
        start.ArgumentList.Add(topologyId);
        start.ArgumentList.Add(settings.SupervisorId);
        start.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add(workerId);
        start.ArgumentList.Add("--config");
        start.ArgumentList.Add(confPath);
        start.Environment[LogVariable] = log;
        if (settings.ConfDirectory is { } confDir)
        {
            start.Environment["STORM_CONF_DIR"] = confDir;
        }

        var process = System.Diagnostics.Process.Start(start) ?? throw new InvalidOperationException("the worker process did not start");
        WorkerLayout.WriteAtomically(Path.Combine(dir, WorkerLayout.PidFileName), System.Text.Encoding.ASCII.GetBytes(process.Id.ToString(CultureInfo.InvariantCulture)));
        return new LocalWorker(record, process.Id, dir, process);
    }

    /// <summary>
    /// The config a worker of <paramref name="topologyId"/> runs with: the supervisor's, without the cluster's secret
    /// and, on a secured cluster, with the topology's worker token instead; the TLS files by absolute path, since the
    /// worker resolves relative paths against its own folder.
    /// </summary>
    internal static Dictionary<string, object?> WorkerConf(SupervisorSettings settings, string topologyId)
    {
        var conf = new Dictionary<string, object?>(settings.WorkerConf, StringComparer.Ordinal);
        conf.Remove(ClusterKeys.AuthSecret);
        conf.Remove(ClusterKeys.AuthSecretFile);
        conf.Remove(ClusterKeys.AuthWorkerToken);
        var security = settings.Security;
        if (security.Enabled)
        {
            var secret = security.Secret ?? throw new InvalidOperationException("a secured cluster's supervisor holds storm.auth.secret");
            conf[ClusterKeys.AuthWorkerToken] = StormTokens.WorkerToken(secret, topologyId);
        }

        conf[ClusterKeys.TlsCertificatePath] = security.TlsCertificatePath;
        conf[ClusterKeys.TlsKeyPath] = security.TlsKeyPath;
        conf[ClusterKeys.TlsCaPath] = security.TlsCaPath;
        conf[ClusterKeys.TlsClientCertificatePath] = security.ClientCertificatePath;
        conf[ClusterKeys.TlsClientKeyPath] = security.ClientKeyPath;
        return conf;
    }
}
