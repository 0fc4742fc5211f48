using StormSharp.Runtime.Configuration;

namespace StormSharp.Supervisor.Internal;

/// <summary>What the supervisor's parts share, fixed at start-up.</summary>
/// <param name="SupervisorId">This supervisor's id.</param>
/// <param name="Host">The host workers here are reached at (<c>storm.local.hostname</c>, else the machine name).</param>
/// <param name="Options">The supervisor's part of the cluster config.</param>
/// <param name="WorkerConf">The effective config handed to every worker.</param>
/// <param name="DotnetPath">The <c>dotnet</c> host that runs workers.</param>
/// <param name="WorkerAssemblyPath">StormSharp.Worker.dll.</param>
/// <param name="ConfDirectory">The supervisor's <c>STORM_CONF_DIR</c>, or null when unset.</param>
/// <param name="Security">The cluster's security settings: the secret workers' tokens are minted with, the TLS files.</param>
internal sealed record SupervisorSettings(
    string SupervisorId,
    string Host,
    SupervisorOptions Options,
    IReadOnlyDictionary<string, object?> WorkerConf,
    string DotnetPath,
    string WorkerAssemblyPath,
    string? ConfDirectory,
    SecurityOptions Security);
