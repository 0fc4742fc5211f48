using System.Globalization;
using Microsoft.Extensions.Logging;

namespace StormSharp.Integration.Tests.Infrastructure;

/// <summary>One category's logger of a <see cref="LogTail"/>.</summary>
internal sealed class LogTailLogger(LogTail tail, string category) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        var line = string.Create(CultureInfo.InvariantCulture, $"{DateTime.Now:HH:mm:ss.fff} {logLevel.ToString()[..4]} {category}: {formatter(state, exception)}");
        tail.Add(exception is null ? line : line + " | " + exception.GetType().Name + ": " + exception.Message);
    }
}
