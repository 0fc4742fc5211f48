using System.Text.RegularExpressions;
using Confluent.Kafka;

namespace StormSharp.Connectors.Kafka;

/// <summary>
/// A Kafka-protocol broker inside this process: librdkafka's mock cluster, hosted by an admin client created with
/// <c>test.mock.num.brokers</c>. Any Kafka client can reach it at <see cref="BootstrapServers"/> (a loopback port)
/// while this object lives. It serves produce, fetch, metadata and consumer groups; topics are created on first
/// produce with <see cref="DefaultPartitions"/> partitions.
/// </summary>
/// <remarks>
/// For development and tests where no Kafka broker can be installed. It keeps roughly the last 5 MB of each
/// partition (librdkafka's mock segment limit), so it is no place for large volumes.
/// </remarks>
public sealed partial class EmbeddedKafkaBroker : IDisposable
{
    /// <summary>The partition count of topics the mock cluster creates on first produce.</summary>
    public const int DefaultPartitions = 4;

    private readonly IAdminClient _host;

    private EmbeddedKafkaBroker(IAdminClient host, string bootstrap)
    {
        _host = host;
        BootstrapServers = bootstrap;
    }

    /// <summary>host:port of the broker(s), for bootstrap.servers.</summary>
    public string BootstrapServers { get; }

    /// <summary>Starts a mock cluster of <paramref name="brokers"/> brokers; throws <see cref="TimeoutException"/> when it does not report its address in time.</summary>
    public static EmbeddedKafkaBroker Start(int brokers = 1, TimeSpan? timeout = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokers, 1);
        var address = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var config = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            // The bootstrap address is ignored once the mock cluster is enabled; librdkafka logs the one it serves on.
            ["bootstrap.servers"] = "127.0.0.1:9",
            ["test.mock.num.brokers"] = brokers.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["client.id"] = "stormsharp-embedded-kafka",
        };
        var host = new AdminClientBuilder(config)
            .SetLogHandler((_, m) =>
            {
                if (m.Message.Contains("Mock cluster enabled", StringComparison.Ordinal) && AddressPattern().Match(m.Message) is { Success: true } a)
                {
                    address.TrySetResult(a.Groups[1].Value);
                }
            })
            .Build();
        try
        {
            if (!address.Task.Wait(timeout ?? TimeSpan.FromSeconds(10)))
            {
                throw new TimeoutException("librdkafka's mock cluster did not report its address in time");
            }

            return new EmbeddedKafkaBroker(host, address.Task.Result);
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    /// <summary>Stops the broker; clients connected to it lose it.</summary>
    public void Dispose() => _host.Dispose();

    [GeneratedRegex(@"replaced with ((?:\d{1,3}\.){3}\d{1,3}:\d+(?:,(?:\d{1,3}\.){3}\d{1,3}:\d+)*)")]
    private static partial Regex AddressPattern();
}
