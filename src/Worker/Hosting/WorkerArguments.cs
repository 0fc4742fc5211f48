using System.Globalization;
using StormSharp.Runtime.Configuration;

namespace StormSharp.Worker.Hosting;

/// <summary>
/// A worker's command line, as its supervisor writes it:
/// <c>StormSharp.Worker.dll &lt;topology-id&gt; &lt;supervisor-id&gt; &lt;port&gt; &lt;worker-id&gt; [--config FILE] [-c key=value]...</c>.
/// </summary>
internal sealed record WorkerArguments(string TopologyId, string SupervisorId, int Port, string WorkerId, Dictionary<string, object?> Conf)
{
    public const string Usage = "usage: StormSharp.Worker.dll <topology-id> <supervisor-id> <port> <worker-id> [--config FILE] [-c key=value]...";

    /// <summary>Parses and loads the config; throws <see cref="FormatException"/> (or the config's own exceptions) naming the problem.</summary>
    public static WorkerArguments Parse(IReadOnlyList<string> args)
    {
        var command = CommandLineConfig.Parse(args);
        var a = command.Arguments;
        if (a.Count != 4)
        {
            throw new FormatException($"expected 4 arguments, got {a.Count}; {Usage}");
        }

        if (!int.TryParse(a[2], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new FormatException($"'{a[2]}' is not a port; {Usage}");
        }

        return new WorkerArguments(a[0], a[1], port, a[3], command.Load());
    }
}
