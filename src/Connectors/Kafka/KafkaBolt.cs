using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using StormSharp.Topology;

namespace StormSharp.Connectors.Kafka;

/// <summary>
/// Writes each tuple to Kafka (storm-kafka-client's KafkaBolt): the topic from an <see cref="ITopicSelector"/>, key
/// and value from an <see cref="ITupleToKafkaMapper"/>. A tuple is acked only after the broker's delivery report
/// for its record, and failed on a delivery error, so an at-least-once spout replays what did not land; with
/// <see cref="WithFireAndForget"/> tuples are acked as soon as they are handed to the producer.
/// </summary>
/// <remarks>
/// Delivery reports arrive on the producer's own thread and a collector may only be used from the bolt's, so
/// reports are queued and turned into acks and fails at the next tuple, or at the next tick tuple (every second) when
/// no tuple comes: an idle bolt's last acks can wait up to a second.
/// </remarks>
public sealed class KafkaBolt : BaseRichBolt
{
    private readonly Dictionary<string, string> _producerProperties;
    private ITopicSelector? _topicSelector;
    private ITupleToKafkaMapper _mapper = new FieldNameBasedTupleToKafkaMapper();
    private bool _fireAndForget;

    [NonSerialized]
    private IProducer<byte[], byte[]>? _producer;
    [NonSerialized]
    private IOutputCollector? _collector;
    [NonSerialized]
    private ConcurrentQueue<(ITuple Tuple, Error Error)>? _reports;
    [NonSerialized]
    private ConcurrentQueue<string>? _clientErrors;

    /// <summary>Creates the bolt with librdkafka producer properties; <c>bootstrap.servers</c> is required.</summary>
    public KafkaBolt(IReadOnlyDictionary<string, string> producerProperties)
    {
        ArgumentNullException.ThrowIfNull(producerProperties);
        if (!producerProperties.TryGetValue("bootstrap.servers", out var servers) || string.IsNullOrWhiteSpace(servers))
        {
            throw new ArgumentException("the Kafka bolt's producer properties need bootstrap.servers", nameof(producerProperties));
        }

        _producerProperties = new Dictionary<string, string>(producerProperties, StringComparer.Ordinal);
    }

    /// <summary>Where tuples go; required.</summary>
    public KafkaBolt WithTopicSelector(ITopicSelector selector)
    {
        _topicSelector = selector ?? throw new ArgumentNullException(nameof(selector));
        return this;
    }

    /// <summary>Writes every tuple to <paramref name="topic"/>.</summary>
    public KafkaBolt WithTopic(string topic) => WithTopicSelector(new DefaultTopicSelector(topic));

    /// <summary>Key and value of each record. Default: fields "key" and "message".</summary>
    public KafkaBolt WithTupleToKafkaMapper(ITupleToKafkaMapper mapper)
    {
        _mapper = mapper ?? throw new ArgumentNullException(nameof(mapper));
        return this;
    }

    /// <summary>Ack tuples as soon as their record is handed to the producer, without waiting for delivery. Default false.</summary>
    public KafkaBolt WithFireAndForget(bool fireAndForget)
    {
        _fireAndForget = fireAndForget;
        return this;
    }

    /// <inheritdoc/>
    public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector)
    {
        if (_topicSelector is null)
        {
            throw new InvalidOperationException($"Kafka bolt '{context.ThisComponentId}' has no topic selector: call WithTopic or WithTopicSelector");
        }

        _collector = collector;
        _reports = new ConcurrentQueue<(ITuple, Error)>();
        _clientErrors = new ConcurrentQueue<string>();
        var errors = _clientErrors;
        _producer = new ProducerBuilder<byte[], byte[]>(_producerProperties)
            .SetErrorHandler((_, e) => errors.Enqueue($"Kafka producer error {e.Code}: {e.Reason}"))
            .SetLogHandler((_, _) => { })
            .Build();
    }

    /// <inheritdoc/>
    public override void Execute(ITuple input)
    {
        DrainReports();
        if (Utils.IsTick(input))
        {
            return;
        }

        string? topic;
        Message<byte[], byte[]> message;
        try
        {
            topic = _topicSelector!.GetTopic(input);
            if (topic is null)
            {
                _collector!.Ack(input);
                return;
            }

            message = new Message<byte[], byte[]> { Key = ToBytes(_mapper.GetKeyFromTuple(input))!, Value = ToBytes(_mapper.GetMessageFromTuple(input))! };
        }
        catch (Exception e) when (e is ArgumentException or InvalidCastException or FormatException)
        {
            _collector!.ReportError(e);
            _collector.Fail(input);
            return;
        }

        var reports = _reports!;
        Action<DeliveryReport<byte[], byte[]>>? handler = _fireAndForget ? null : r => reports.Enqueue((input, r.Error));
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                _producer!.Produce(topic, message, handler);
                break;
            }
            catch (ProduceException<byte[], byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull && attempt < 50)
            {
                // The producer's queue is full: give it time to deliver, then hand the record over again.
                _producer!.Poll(TimeSpan.FromMilliseconds(100));
                DrainReports();
            }
            catch (Exception e) when (e is ProduceException<byte[], byte[]> or KafkaException or ArgumentException)
            {
                _collector!.ReportError(new InvalidOperationException($"the Kafka bolt could not hand a record for topic '{topic}' to the producer: {e.Message}", e));
                _collector.Fail(input);
                return;
            }
        }

        if (_fireAndForget)
        {
            _collector!.Ack(input);
        }
    }

    /// <inheritdoc/>
    public override void Cleanup()
    {
        if (_producer is null)
        {
            return;
        }

        _producer.Flush(TimeSpan.FromSeconds(10));
        DrainReports();
        _producer.Dispose();
        _producer = null;
    }

    /// <inheritdoc/>
    public override IDictionary<string, object?>? GetComponentConfiguration() =>
        new Dictionary<string, object?>(StringComparer.Ordinal) { [StormSharp.Topology.Config.TopologyTickTupleFreqSecs] = 1 };

    /// <inheritdoc/>
    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
    {
    }

    private static byte[]? ToBytes(object? value) => value switch
    {
        null => null,
        byte[] b => b,
        string s => Encoding.UTF8.GetBytes(s),
        _ => Encoding.UTF8.GetBytes(Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty),
    };

    private void DrainReports()
    {
        while (_clientErrors!.TryDequeue(out var error))
        {
            _collector!.ReportError(new KafkaException(new Error(ErrorCode.Local_Fail, error)));
        }

        while (_reports!.TryDequeue(out var report))
        {
            if (report.Error.IsError)
            {
                _collector!.ReportError(new KafkaException(report.Error));
                _collector.Fail(report.Tuple);
            }
            else
            {
                _collector!.Ack(report.Tuple);
            }
        }
    }
}
