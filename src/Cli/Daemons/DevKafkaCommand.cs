using System.Globalization;
using System.Runtime.InteropServices;
using StormSharp.Connectors.Kafka;

namespace StormSharp.Cli.Daemons;

/// <summary>
/// <c>storm dev-kafka</c>: hosts an embedded Kafka-protocol broker (librdkafka's mock cluster) in the foreground and
/// prints its bootstrap address, for development where no Kafka broker is installed. Any Kafka client can use it
/// (produce, fetch, consumer groups); topics are created on first produce with 4 partitions, and only about the last
/// 5 MB of each partition are kept. Ctrl-C or SIGTERM stops it.
/// </summary>
internal static class DevKafkaCommand
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter stdout, CancellationToken cancellationToken)
    {
        var brokers = 1;
        string? addressFile = null;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--brokers" when i + 1 < args.Count:
                    if (!int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out brokers) || brokers is < 1 or > 16)
                    {
                        throw CliException.Usage($"--brokers takes a number from 1 to 16, got '{args[i]}'");
                    }

                    break;
                case "--address-file" when i + 1 < args.Count:
                    addressFile = args[++i];
                    break;
                case "--brokers" or "--address-file":
                    throw CliException.Usage($"{args[i]} needs a value");
                default:
                    throw CliException.Usage($"unexpected argument '{args[i]}'");
            }
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true; // we stop the broker ourselves, then exit
            stop.Cancel();
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

        EmbeddedKafkaBroker broker;
        try
        {
            broker = EmbeddedKafkaBroker.Start(brokers);
        }
        catch (TimeoutException e)
        {
            throw CliException.Failed(e.Message);
        }

        using (broker)
        {
            if (addressFile is not null)
            {
                // Written whole under another name and renamed, so a reader never sees half an address.
                var temp = addressFile + ".tmp";
                await File.WriteAllTextAsync(temp, broker.BootstrapServers + "\n", CancellationToken.None).ConfigureAwait(false);
                File.Move(temp, addressFile, overwrite: true);
            }

            stdout.WriteLine($"storm dev-kafka: bootstrap.servers={broker.BootstrapServers}");
            stdout.WriteLine(
                $"storm dev-kafka: librdkafka's mock cluster, {brokers} broker(s); topics are created on first produce with "
                + $"{EmbeddedKafkaBroker.DefaultPartitions} partitions and keep about the last 5 MB per partition (Ctrl-C stops it)");
            stdout.Flush();
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopped by the user or the caller.
            }

            if (addressFile is not null)
            {
                File.Delete(addressFile);
            }
        }

        return ExitCodes.Ok;
    }
}
