using Microsoft.Extensions.Logging;
using StormSharp.Runtime;
using StormSharp.Runtime.Configuration;
using StormSharp.Ui;

namespace StormSharp.Cli.Local;

/// <summary>
/// <c>storm local --ui</c>: the cluster's UI for the topologies of a <see cref="LocalCluster"/>, on 127.0.0.1 (a
/// developer's desk, not a server) and the port asked for, reading a <see cref="LocalNimbus"/> beside it.
/// </summary>
internal sealed class LocalUi : IAsyncDisposable
{
    private readonly LocalNimbus _nimbus;
    private readonly UiServer _ui;

    private LocalUi(LocalNimbus nimbus, UiServer ui)
    {
        _nimbus = nimbus;
        _ui = ui;
    }

    public static async Task<LocalUi> StartAsync(LocalCluster cluster, int port, ILoggerFactory loggers, TextWriter stdout, CancellationToken ct)
    {
        var nimbus = await LocalNimbus.StartAsync(cluster, loggers, ct).ConfigureAwait(false);
        try
        {
            var conf = ConfigLoader.Load();
            conf["nimbus.seeds"] = new List<object?> { "127.0.0.1" };
            conf["nimbus.thrift.port"] = nimbus.Port;
            conf["ui.host"] = "127.0.0.1";
            if (port != LocalOptions.UiPortFromConfig)
            {
                conf["ui.port"] = port;
            }

            UiServer ui;
            try
            {
                ui = await UiServer.StartAsync(conf, loggers, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or ConfigurationException)
            {
                throw CliException.Failed("local: the UI cannot start: " + e.Message);
            }

            stdout.WriteLine($"UI at http://127.0.0.1:{ui.Port}/");
            return new LocalUi(nimbus, ui);
        }
        catch
        {
            await nimbus.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _ui.DisposeAsync().ConfigureAwait(false);
        await _nimbus.DisposeAsync().ConfigureAwait(false);
    }
}
