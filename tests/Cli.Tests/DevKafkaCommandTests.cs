using Confluent.Kafka;
using StormSharp.Cli;

namespace StormSharp.Cli.Tests;

public sealed class DevKafkaCommandTests
{
    [Fact]
    public async Task DevKafka_PrintsAnAddressThatServesProduceAndFetch_AndStopsOnCancel()
    {
        var addressFile = Path.Combine(Path.GetTempPath(), "stormsharp-dev-kafka-" + Guid.NewGuid().ToString("N"));
        using var stdout = new SignallingWriter("bootstrap.servers=");
        using var stderr = new StringWriter();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var run = StormCommand.RunAsync(["dev-kafka", "--address-file", addressFile], stdout, stderr, stop.Token);
        try
        {
            var line = await stdout.Seen.WaitAsync(TimeSpan.FromSeconds(30));
            var bootstrap = line[(line.IndexOf('=', StringComparison.Ordinal) + 1)..].Trim();
            Assert.StartsWith("127.0.0.1:", bootstrap, StringComparison.Ordinal);
            Assert.Equal(bootstrap, File.ReadAllText(addressFile).Trim());

            using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = bootstrap }).Build();
            await producer.ProduceAsync("dev", new Message<string, string> { Key = "k", Value = "hello" }).WaitAsync(TimeSpan.FromSeconds(30));
            using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
            {
                BootstrapServers = bootstrap,
                GroupId = "g",
                AutoOffsetReset = AutoOffsetReset.Earliest,
            }).Build();
            consumer.Subscribe("dev");
            var deadline = DateTime.UtcNow.AddSeconds(30);
            ConsumeResult<string, string>? got = null;
            while (got is null && DateTime.UtcNow < deadline)
            {
                got = consumer.Consume(TimeSpan.FromMilliseconds(500));
            }

            Assert.NotNull(got);
            Assert.Equal("hello", got.Message.Value);
            consumer.Close();
        }
        finally
        {
            await stop.CancelAsync();
            Assert.Equal(ExitCodes.Ok, await run.WaitAsync(TimeSpan.FromSeconds(30)));
            File.Delete(addressFile);
        }

        Assert.False(File.Exists(addressFile + ".tmp"));
    }

    [Fact]
    public async Task DevKafka_BadBrokerCount_NamesTheOptionAndExitsTwo()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await StormCommand.RunAsync(["dev-kafka", "--brokers", "zero"], stdout, stderr).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--brokers", stderr.ToString(), StringComparison.Ordinal);
    }

    /// <summary>Completes <see cref="Seen"/> with the first line written that contains a marker.</summary>
    private sealed class SignallingWriter(string marker) : StringWriter
    {
        private readonly TaskCompletionSource<string> _seen = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<string> Seen => _seen.Task;

        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            if (value is not null && value.Contains(marker, StringComparison.Ordinal))
            {
                _seen.TrySetResult(value);
            }
        }
    }
}
