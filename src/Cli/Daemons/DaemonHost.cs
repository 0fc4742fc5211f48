using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Events;
using StormSharp.Runtime.Configuration;

namespace StormSharp.Cli.Daemons;

/// <summary>
/// Runs one daemon (<c>storm nimbus</c>, <c>storm supervisor</c>) in the foreground under the generic host: logs
/// through Serilog to the console and to <c>&lt;name&gt;.log</c> under <c>storm.log.dir</c> (rolled at 100 MB, ten
/// kept, as Storm's log4j setup rolls <c>nimbus.log</c>), stops
/// gracefully on SIGTERM or Ctrl-C. Bad configuration fails the start with every problem named, exit code 2; any
/// other start failure exits 1.
/// </summary>
internal static class DaemonHost
{
    /// <param name="name">The daemon's name, for the log file and messages.</param>
    /// <param name="conf">Its effective configuration.</param>
    /// <param name="start">Starts the daemon and returns how to stop it.</param>
    public static async Task<int> RunAsync(
        string name,
        IReadOnlyDictionary<string, object?> conf,
        Func<IReadOnlyDictionary<string, object?>, ILoggerFactory, CancellationToken, Task<Func<CancellationToken, Task>>> start,
        TextWriter stderr,
        CancellationToken cancellationToken)
    {
        ClusterOptions options;
        try
        {
            options = ClusterOptions.From(conf, DaemonCommands.BaseDirectory);
        }
        catch (ConfigurationException e)
        {
            stderr.WriteLine($"storm {name}: bad configuration: {e.Message}");
            return ExitCodes.Usage;
        }

        Directory.CreateDirectory(options.Worker.LogDir);
        var serilog = new LoggerConfiguration()
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .MinimumLevel.Override("Grpc", LogEventLevel.Warning)
            .WriteTo.Console(outputTemplate: "{Timestamp:HH:mm:ss.fff} {Level:u3} {SourceContext}: {Message:lj}{NewLine}{Exception}")
            .WriteTo.File(
                Path.Combine(options.Worker.LogDir, name + ".log"),
                fileSizeLimitBytes: 100L * 1024 * 1024,
                rollOnFileSizeLimit: true,
                retainedFileCountLimit: 10,
                outputTemplate: "{Timestamp:yyyy-MM-dd HH:mm:ss.fff} {Level:u3} {SourceContext}: {Message:lj}{NewLine}{Exception}")
            .CreateLogger();

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSerilog(serilog, dispose: true);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(45));
        builder.Services.AddHostedService(sp => new DaemonService(conf, sp.GetRequiredService<ILoggerFactory>(), start));
        using var host = builder.Build();
        try
        {
            await host.RunAsync(cancellationToken).ConfigureAwait(false);
            return ExitCodes.Ok;
        }
        catch (ConfigurationException e)
        {
            stderr.WriteLine($"storm {name}: bad configuration: {e.Message}");
            return ExitCodes.Usage;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            stderr.WriteLine($"storm {name}: could not start: {e.Message}");
            return ExitCodes.Failure;
        }
    }

    private sealed class DaemonService(
        IReadOnlyDictionary<string, object?> conf,
        ILoggerFactory loggers,
        Func<IReadOnlyDictionary<string, object?>, ILoggerFactory, CancellationToken, Task<Func<CancellationToken, Task>>> start) : IHostedService
    {
        private Func<CancellationToken, Task>? _stop;

        public async Task StartAsync(CancellationToken cancellationToken) => _stop = await start(conf, loggers, cancellationToken).ConfigureAwait(false);

        public Task StopAsync(CancellationToken cancellationToken) => _stop?.Invoke(cancellationToken) ?? Task.CompletedTask;
    }
}
