using System.Globalization;

namespace StormSharp.Runtime.Execution;

/// <summary>
/// Where a worker runs: a supervisor's host and one of its slot ports (<c>supervisor.slots.ports</c>). Local mode
/// names its in-process workers <c>local:1</c>, <c>local:2</c>, ... so that both route by the same key.
/// </summary>
internal readonly record struct WorkerEndpoint(string Host, int Port)
{
    public static WorkerEndpoint Local(int index) => new("local", index + 1);

    /// <summary>Parses <c>host:port</c>; throws <see cref="FormatException"/> naming the text otherwise.</summary>
    public static WorkerEndpoint Parse(string text)
    {
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new FormatException($"'{text}' is not a worker address of the form host:port");
        }

        return new WorkerEndpoint(text[..colon], port);
    }

    public override string ToString() => Host + ":" + Port.ToString(CultureInfo.InvariantCulture);
}
