using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Events;

namespace StormSharp.Runtime;

/// <summary>Serilog behind Microsoft.Extensions.Logging, as every StormSharp process logs.</summary>
public static class StormLogging
{
    /// <summary>A factory writing to the console (stderr) at <paramref name="minimum"/> and above.</summary>
    public static ILoggerFactory CreateConsoleFactory(LogEventLevel minimum = LogEventLevel.Information)
    {
        var logger = new LoggerConfiguration()
            .MinimumLevel.Is(minimum)
            // ASP.NET Core logs every request at Information, and a worker's transfer streams are requests.
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .MinimumLevel.Override("Grpc", LogEventLevel.Warning)
            .WriteTo.Console(
                outputTemplate: "{Timestamp:HH:mm:ss.fff} {Level:u3} {SourceContext}: {Message:lj}{NewLine}{Exception}",
                standardErrorFromLevel: LogEventLevel.Verbose)
            .CreateLogger();
        return LoggerFactory.Create(b => b.AddSerilog(logger, dispose: true));
    }
}
