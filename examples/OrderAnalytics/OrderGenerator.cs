using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;

namespace StormSharp.Examples.OrderAnalytics;

/// <summary>
/// Writes JSON orders to the <c>orders</c> topic at a steady rate, and every 50th record a malformed one. Counts only
/// what the broker confirmed, so the totals it reports are what the topology must find.
/// </summary>
public sealed class OrderGenerator : IDisposable
{
    private static readonly string[] Malformed =
    [
        "{\"orderId\": \"broken\", \"amount\": ",
        "not json at all",
        "{\"orderId\":\"o-x\",\"time\":\"2026-01-01T00:00:00Z\",\"category\":\"toys\",\"amount\":-5,\"customer\":\"c-1\"}",
        "[1, 2, 3]",
    ];

    private readonly IProducer<string, string> _producer;
    private readonly ConcurrentQueue<string> _validIds = new();
    private long _valid;
    private long _invalid;
    private long _revenueCents;
    private long _failed;

    public OrderGenerator(string bootstrap)
    {
        _producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = bootstrap, Acks = Acks.All, LingerMs = 5 })
            .SetLogHandler((_, _) => { })
            .Build();
    }

    public long Valid => Interlocked.Read(ref _valid);

    public long Invalid => Interlocked.Read(ref _invalid);

    public long RevenueCents => Interlocked.Read(ref _revenueCents);

    public long Failed => Interlocked.Read(ref _failed);

    public IEnumerable<string> ValidIds => _validIds;

    /// <summary>Produces about <paramref name="rate"/> records a second until <paramref name="stop"/>, then waits for every delivery.</summary>
    public async Task RunAsync(int rate, CancellationToken stop)
    {
        var random = new Random(42);
        var sw = Stopwatch.StartNew();
        long sent = 0;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                var due = (long)(sw.Elapsed.TotalSeconds * rate);
                for (; sent < due; sent++)
                {
                    Send(sent, random);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The run is over: deliver what is queued.
        }

        _producer.Flush(TimeSpan.FromSeconds(30));
    }

    public void Dispose() => _producer.Dispose();

    private void Send(long n, Random random)
    {
        if (n % 50 == 49)
        {
            var bad = Malformed[(int)(n / 50 % Malformed.Length)];
            _producer.Produce(OrderAnalyticsTopology.Topic, new Message<string, string> { Key = "bad-" + n, Value = bad }, r => Delivered(r, null));
            return;
        }

        var order = new Order(
            "o-" + n.ToString("D8", CultureInfo.InvariantCulture),
            DateTimeOffset.UtcNow,
            Order.Categories[random.Next(Order.Categories.Length)],
            random.Next(100, 50_000),
            "c-" + random.Next(1, 500).ToString(CultureInfo.InvariantCulture));
        _producer.Produce(OrderAnalyticsTopology.Topic, new Message<string, string> { Key = order.OrderId, Value = order.ToJson() }, r => Delivered(r, order));
    }

    private void Delivered(DeliveryReport<string, string> report, Order? order)
    {
        if (report.Error.IsError)
        {
            Interlocked.Increment(ref _failed);
            return;
        }

        if (order is null)
        {
            Interlocked.Increment(ref _invalid);
            return;
        }

        Interlocked.Increment(ref _valid);
        Interlocked.Add(ref _revenueCents, order.AmountCents);
        _validIds.Enqueue(order.OrderId);
    }
}
