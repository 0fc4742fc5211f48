using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using StormSharp.Connectors.Kafka.Internal;
using StormSharp.Topology;
using StormSharp.Topology.State;

namespace StormSharp.Connectors.Kafka;

/// <summary>
/// Reads Kafka topics with storm-kafka-client's semantics: partitions spread round-robin over the spout's tasks by
/// manual assignment, offsets committed to the consumer group only when a record and every earlier one of its
/// partition are done, failed records retried with exponential backoff, and a restarted task resuming from the
/// group's commits.
/// </summary>
/// <remarks>
/// <para>Assignment: every <see cref="KafkaSpoutConfig.PartitionRefreshPeriod"/> the task lists the partitions of
/// the matching topics, sorts them by topic and partition and takes those whose position modulo the number of tasks
/// is its task index. The result depends only on the partition list and the task count, so it is the same after a
/// restart, and a rebalance that changes the task count moves partitions without any coordination: a partition a task
/// gives up is committed first, and the task that takes it starts from that commit.</para>
/// <para>Retries: a failed record (explicit fail or message timeout) is kept in memory and emitted again when its
/// backoff has passed, so a failed record never has to be fetched again and never holds the partition's other
/// records back; only the commit point waits for it. A record that fails more often than
/// <see cref="KafkaSpoutRetryExponentialBackoff.MaxRetries"/> is dropped with a reported error and counts as done,
/// so the partition goes on committing. Acks and fails for partitions the task no longer holds are ignored.</para>
/// <para>Records the broker dropped before the task read them (retention, or a committed offset older than the
/// partition's first record): the consumer goes on from the first record the broker still has when the guarantee is
/// at least once (auto.offset.reset earliest, as storm-kafka-client sets it), from the end otherwise; the task reports
/// an error naming the partition and how many offsets were lost, and commits go past the gap. Records already read
/// are kept in memory until done, so a failed record is retried even when the broker has dropped it since.</para>
/// <para>The .NET Kafka client cannot attach commit metadata, so <see cref="FirstPollOffsetStrategy.Earliest"/> and
/// <see cref="FirstPollOffsetStrategy.Latest"/> ignore every commit the task did not make itself since it opened:
/// a worker restart reads such partitions from the start (or end) again, where storm-kafka-client would resume.</para>
/// <para>Checkpoints: at least once, the spout is an <see cref="ICheckpointableSpout"/>, so in a topology with
/// stateful bolts its offsets are recorded in every checkpoint and restored with the state (exactly-once state). Its
/// position maps each partition of the task to the offset after the last record emitted; a partition the task starts
/// at its beginning or end has that resolved to an offset when it is assigned. A rewind drops every record in memory
/// and seeks each partition to its recorded offset; a partition without one (a fresh topology, or a partition new to
/// the task) starts as it would without checkpoints. Offsets are then committed to the group only as far as a
/// committed checkpoint covers, at the commit period, so a partition that another task takes over from the group's
/// commit never skips input whose state was rolled back. Acks no longer move commits and failures are not retried
/// (the checkpoint fails and the recovery rewinds instead). At most once and no guarantee never replay, so they are
/// not checkpointed.</para>
/// </remarks>
public sealed class KafkaSpout : BaseRichSpout, ICheckpointableSpout
{
    private const int MaxRecordsPerPoll = 500;
    private static readonly TimeSpan MetadataTimeout = TimeSpan.FromSeconds(5);

    private readonly KafkaSpoutConfig _config;

    [NonSerialized]
    private IConsumer<byte[], byte[]>? _consumer;
    [NonSerialized]
    private IAdminClient? _admin;
    [NonSerialized]
    private ISpoutOutputCollector? _collector;
    [NonSerialized]
    private TopologyContext? _context;
    [NonSerialized]
    private Dictionary<TopicPartition, PartitionState>? _partitions;
    [NonSerialized]
    private HashSet<TopicPartition>? _committedByMe;
    [NonSerialized]
    private Queue<KafkaRecord>? _waiting;
    [NonSerialized]
    private PriorityQueue<KafkaSpoutMessageId, long>? _retries;
    [NonSerialized]
    private ConcurrentQueue<string>? _clientErrors;
    [NonSerialized]
    private long _nextCommit;
    [NonSerialized]
    private long _nextRefresh;
    [NonSerialized]
    private long _nextStallCheck;
    [NonSerialized]
    private bool _checkpointing;
    [NonSerialized]
    private Dictionary<TopicPartition, long>? _startAt;
    [NonSerialized]
    private Dictionary<TopicPartition, long>? _firstStarts;
    [NonSerialized]
    private Dictionary<TopicPartition, long>? _checkpointCommitted;

    /// <summary>Creates the spout.</summary>
    public KafkaSpout(KafkaSpoutConfig config)
    {
        _config = config ?? throw new ArgumentNullException(nameof(config));
    }

    /// <summary>The partitions this task reads now (for tests and diagnostics).</summary>
    public IReadOnlyList<TopicPartition> AssignedPartitions =>
        _partitions is null ? [] : [.. _partitions.Keys.OrderBy(p => p.Topic, StringComparer.Ordinal).ThenBy(p => p.Partition.Value)];

    /// <summary>
    /// True at least once: the spout then takes part in a topology's checkpoints. At most once and no guarantee never
    /// replay a record, so they are left out and stay what they are.
    /// </summary>
    public bool IsCheckpointable => AtLeastOnce;

    /// <summary>Records polled and not yet emitted (for tests).</summary>
    internal int WaitingCount => _waiting?.Count ?? 0;

    private bool AtLeastOnce => _config.ProcessingGuarantee == ProcessingGuarantee.AtLeastOnce;

    /// <inheritdoc/>
    public override void Open(IReadOnlyDictionary<string, object?> conf, TopologyContext context, ISpoutOutputCollector collector)
    {
        _context = context;
        _collector = collector;
        _partitions = [];
        _committedByMe = [];
        _waiting = new Queue<KafkaRecord>();
        _retries = new PriorityQueue<KafkaSpoutMessageId, long>();
        _clientErrors = new ConcurrentQueue<string>();
        _checkpointing = false;
        _startAt = [];
        _firstStarts = [];
        _checkpointCommitted = [];

        var consumerConfig = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["bootstrap.servers"] = _config.BootstrapServers,
            ["group.id"] = _config.GroupId,
            ["enable.auto.commit"] = "false",
            ["enable.auto.offset.store"] = "false",
            // Only used when the position is out of range (every start is an explicit offset): at least once goes on from
            // the first record the broker still has, as storm-kafka-client does, whatever the first-poll strategy; at most
            // once keeps Kafka's default (the end), which never reads a record twice.
            ["auto.offset.reset"] = AtLeastOnce ? "earliest" : "latest",
            ["client.id"] = $"{context.StormId}-{context.ThisComponentId}-{context.ThisTaskId}",
        };
        foreach (var (key, value) in _config.KafkaProperties)
        {
            consumerConfig[key] = value;
        }

        var errors = _clientErrors;
        _consumer = new ConsumerBuilder<byte[], byte[]>(consumerConfig)
            .SetErrorHandler((_, e) => errors.Enqueue($"Kafka consumer error {e.Code}: {e.Reason}"))
            .SetLogHandler((_, m) =>
            {
                // The client's warnings (a position reset, a broker away) go to the worker's log, as the Java client's
                // do in Storm's; its chatter below warning level does not.
                if (m.Level <= SyslogLevel.Warning)
                {
                    Console.Error.WriteLine($"Kafka client {m.Name} {m.Level} {m.Facility}: {m.Message}");
                }
            })
            .Build();
        _admin = new DependentAdminClientBuilder(_consumer.Handle).Build();
        _nextRefresh = 0;
        _nextCommit = Stopwatch.GetTimestamp() + ToTicks(_config.OffsetCommitPeriod);
    }

    /// <inheritdoc/>
    public override void NextTuple()
    {
        var now = Stopwatch.GetTimestamp();
        while (_clientErrors!.TryDequeue(out var error))
        {
            _collector!.ReportError(new KafkaException(new Error(ErrorCode.Local_Fail, error)));
        }

        // The next refresh and commit are due a period after the last one ended: a metadata or commit request can wait
        // behind the consumer's fetch long poll (fetch.wait.max.ms), and timed from before the call, a call longer than
        // the period would make every NextTuple call it again.
        if (now >= _nextRefresh)
        {
            try
            {
                RefreshAssignment();
            }
            finally
            {
                now = Stopwatch.GetTimestamp();
                _nextRefresh = now + ToTicks(_config.PartitionRefreshPeriod);
            }
        }

        if (now >= _nextCommit)
        {
            try
            {
                Commit();
            }
            finally
            {
                now = Stopwatch.GetTimestamp();
                _nextCommit = now + ToTicks(_config.OffsetCommitPeriod);
            }
        }

        while (_retries!.TryPeek(out var retry, out var due) && due <= now)
        {
            _retries.Dequeue();
            var tp = new TopicPartition(retry.Topic, retry.Partition);
            if (_partitions!.TryGetValue(tp, out var state) && state.IsPending(retry.Offset)
                && state.Records.TryGetValue(retry.Offset, out var record))
            {
                Emit(record, state, retry);
                return;
            }
        }

        if (_waiting!.Count == 0)
        {
            if (now >= _nextStallCheck)
            {
                _nextStallCheck = now + Stopwatch.Frequency;
                UnstickFromDroppedOffsets(now);
            }

            Poll();
        }

        while (_waiting.TryDequeue(out var next))
        {
            if (_partitions!.TryGetValue(new TopicPartition(next.Topic, next.Partition), out var state))
            {
                Emit(next, state, null);
                return;
            }
        }
    }

    /// <inheritdoc/>
    public override void Ack(object msgId)
    {
        if (msgId is KafkaSpoutMessageId id && _partitions!.TryGetValue(new TopicPartition(id.Topic, id.Partition), out var state))
        {
            state.Done(id.Offset);
        }
    }

    /// <inheritdoc/>
    public override void Fail(object msgId)
    {
        if (msgId is not KafkaSpoutMessageId id
            || !_partitions!.TryGetValue(new TopicPartition(id.Topic, id.Partition), out var state)
            || !state.IsPending(id.Offset) || !state.Records.ContainsKey(id.Offset))
        {
            return;
        }

        id.Failures++;
        if (_config.Retry.MayRetry(id.Failures))
        {
            _retries!.Enqueue(id, Stopwatch.GetTimestamp() + ToTicks(_config.Retry.DelayFor(id.Failures)));
            return;
        }

        _collector!.ReportError(new InvalidOperationException(
            $"Kafka record {id} failed {id.Failures} times, more than the {_config.Retry.MaxRetries} retries allowed; dropped"));
        state.Done(id.Offset);
    }

    /// <summary>
    /// The task's position for a checkpoint: JSON mapping each topic to its partitions and, for each, the offset after
    /// the last record emitted (<c>{"topic":{"0":1200,"1":1187}}</c>). Records polled but not yet emitted are after it.
    /// Partitions a rewind gave an offset that are not assigned again yet keep that offset.
    /// </summary>
    public string? GetPosition()
    {
        var offsets = new SortedDictionary<(string Topic, int Partition), long>(Comparer<(string Topic, int Partition)>.Create((a, b) =>
        {
            var c = string.CompareOrdinal(a.Topic, b.Topic);
            return c != 0 ? c : a.Partition.CompareTo(b.Partition);
        }));
        foreach (var (tp, at) in _startAt!)
        {
            offsets[(tp.Topic, tp.Partition.Value)] = at;
        }

        foreach (var (tp, state) in _partitions!)
        {
            if (state.NextToEmit >= 0)
            {
                offsets[(tp.Topic, tp.Partition.Value)] = state.NextToEmit;
            }
        }

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            foreach (var topic in offsets.GroupBy(kv => kv.Key.Topic))
            {
                json.WriteStartObject(topic.Key);
                foreach (var (key, offset) in topic)
                {
                    json.WriteNumber(key.Partition.ToString(CultureInfo.InvariantCulture), offset);
                }

                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>
    /// Rewinds the task to <paramref name="position"/>: every record in memory (polled, waiting, to retry) is dropped,
    /// and each assigned partition starts again, at its offset in the position, or as a newly assigned partition
    /// would when the position has none (null: the start of a fresh topology, the offsets this task started from).
    /// From now on the spout commits only what committed checkpoints cover.
    /// </summary>
    public void Seek(string? position)
    {
        _checkpointing = true;
        _waiting!.Clear();
        _retries!.Clear();
        _startAt = position is null ? new Dictionary<TopicPartition, long>(_firstStarts!) : ParsePosition(position);
        if (_partitions!.Count == 0)
        {
            return; // the next refresh assigns the partitions, from these offsets
        }

        var assigned = _partitions.Keys.ToList();
        var starts = ResolveStarts(assigned);
        if (starts is null)
        {
            // Given up and taken again at the next refresh, which resolves their starts once more.
            Forget(assigned);
            _nextRefresh = 0;
            return;
        }

        var paused = assigned.Where(tp => _partitions[tp].Paused).ToList();
        if (paused.Count > 0)
        {
            _consumer!.Resume(paused);
        }

        foreach (var (start, state) in starts)
        {
            var tp = start.TopicPartition;
            _startAt.Remove(tp);
            _partitions[tp] = state;
            try
            {
                // The client drops what it fetched before the seek.
                _consumer!.Seek(start);
            }
            catch (KafkaException e)
            {
                _collector!.ReportError(new InvalidOperationException(
                    $"seeking Kafka partition {tp.Topic}-{tp.Partition.Value} to offset {start.Offset.Value} failed; assigning it again: {e.Message}", e));
                Forget([tp]);
                _startAt[tp] = start.Offset.Value;
                _nextRefresh = 0;
            }
        }
    }

    /// <summary>
    /// Notes the offsets of a committed checkpoint's position for the partitions this task reads: they are committed
    /// to the group at the next commit period (and when a partition is given up, the spout deactivated or closed).
    /// </summary>
    public void CheckpointCommitted(string? position)
    {
        if (position is null)
        {
            return;
        }

        foreach (var (tp, offset) in ParsePosition(position))
        {
            if (_partitions!.ContainsKey(tp) || _startAt!.ContainsKey(tp))
            {
                _checkpointCommitted![tp] = offset;
            }
        }
    }

    /// <inheritdoc/>
    public override void Deactivate() => Commit();

    /// <inheritdoc/>
    public override void Close()
    {
        if (_consumer is null)
        {
            return;
        }

        Commit();
        foreach (var tp in _partitions!.Keys)
        {
            KafkaSpoutLag.Remove(_context!.StormId, _context.ThisComponentId, tp.Topic, tp.Partition.Value);
        }

        _admin?.Dispose();
        try
        {
            _consumer.Close();
        }
        catch (KafkaException)
        {
            // Leaving a group we never joined (manual assignment) can fail; the consumer is disposed anyway.
        }

        _consumer.Dispose();
        _consumer = null;
    }

    /// <summary>
    /// Storm's keys for the UI's lag (<c>config.topics</c>, <c>config.groupid</c>, <c>config.bootstrap.servers</c>,
    /// and the librdkafka properties that are not secrets): see <see cref="KafkaOffsetLag.ComponentConfiguration"/>.
    /// </summary>
    public override IDictionary<string, object?>? GetComponentConfiguration() => KafkaOffsetLag.ComponentConfiguration(_config);

    /// <inheritdoc/>
    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
    {
        foreach (var stream in _config.RecordTranslator.Streams)
        {
            declarer.DeclareStream(stream, _config.RecordTranslator.GetFieldsFor(stream));
        }
    }

    private static long ToTicks(TimeSpan t) => (long)(t.TotalSeconds * Stopwatch.Frequency);

    private void Poll()
    {
        ConsumeResult<byte[], byte[]>? result;
        try
        {
            result = _consumer!.Consume(_config.PollTimeout);
        }
        catch (ConsumeException e)
        {
            _collector!.ReportError(e);
            return;
        }

        var polled = 0;
        var polledAt = Stopwatch.GetTimestamp(); // one reading for the batch: the stall check counts in seconds
        List<TopicPartitionOffset>? atMostOnce = null;
        while (result is not null)
        {
            if (!result.IsPartitionEOF && _partitions!.TryGetValue(result.TopicPartition, out var state)
                && result.Offset.Value > state.LastPolled)
            {
                var expected = state.NextExpected;
                if (expected >= 0 && result.Offset.Value > expected)
                {
                    ReportIfDropped(result.TopicPartition, expected, result.Offset.Value);
                }

                state.Polled(result.Offset.Value);
                state.LastRecordTicks = polledAt;
                state.StuckRounds = 0;
                state.QueriedLow = -1;
                var m = result.Message;
                _waiting!.Enqueue(new KafkaRecord(result.Topic, result.Partition.Value, result.Offset.Value, m.Key, m.Value, m.Timestamp.UtcDateTime));
                if (!state.Paused && state.Uncommitted >= _config.MaxUncommittedOffsets)
                {
                    _consumer!.Pause([result.TopicPartition]);
                    state.Paused = true;
                }

                if (_config.ProcessingGuarantee == ProcessingGuarantee.AtMostOnce)
                {
                    atMostOnce ??= [];
                    atMostOnce.Add(new TopicPartitionOffset(result.TopicPartition, result.Offset.Value + 1));
                }
            }

            if (++polled >= MaxRecordsPerPoll)
            {
                break;
            }

            try
            {
                result = _consumer!.Consume(TimeSpan.Zero);
            }
            catch (ConsumeException e)
            {
                _collector!.ReportError(e);
                break;
            }
        }

        if (atMostOnce is not null)
        {
            // At most once: the records are committed before any of them is emitted.
            CommitOffsets(atMostOnce);
        }
    }

    /// <summary>
    /// A record past the next offset expected is a gap: compaction and transaction markers make harmless ones, but when
    /// the broker's first offset is past the expected one, the broker dropped records this task never read (retention)
    /// and the consumer went on from its first record (auto.offset.reset). Those records are lost; nothing waits for
    /// them, since only offsets polled are tracked, so commits go past the gap.
    /// </summary>
    private void ReportIfDropped(TopicPartition tp, long expected, long next)
    {
        // The low watermark comes with every fetch response, so this reads no more than the client already has; after
        // the task moved a stuck partition ahead itself, the records it skipped count as dropped too.
        var marks = _consumer!.GetWatermarkOffsets(tp);
        var low = Math.Max(marks?.Low.Value ?? -1, _partitions!.TryGetValue(tp, out var state) ? state.QueriedLow : -1);
        if (low <= expected)
        {
            return;
        }

        var end = Math.Min(low, next);
        var moved = state is { StuckRounds: > 1 } && state.QueriedLow > (marks?.Low.Value ?? -1)
            ? $"; the broker's first offset kept running ahead of the consumer's fetches, so the spout moved ahead to offset {state.QueriedLow}, skipping records the broker still had"
            : string.Empty;
        _collector!.ReportError(new InvalidOperationException(
            $"Kafka partition {tp.Topic}-{tp.Partition.Value}: the broker dropped offsets {expected} to {end - 1} ({end - expected} records) " +
            $"before this spout read them (retention){moved}; they are lost, and the spout goes on from offset {next}"));
    }

    /// <summary>
    /// A partition with records to read that gave none for a second may be stuck behind the broker's retention. When
    /// a fetch is out of range, the Kafka client resets the position to the partition's first offset as the broker
    /// last reported it and fetches again about a second later; a broker that drops its oldest records continuously
    /// (a retention of seconds under a steady producer, as the embedded broker's is) has dropped that offset too by
    /// then, and the partition reads nothing for as long as the producer goes on. Kafka deletes whole segments, minutes
    /// apart, so it seldom comes to that there. The task then asks the broker afresh and moves the consumer into what
    /// the broker still has: to its first offset at the first stall, half-way at the next, then three quarters, and
    /// so on, so that the offset outlives the client's next fetch. What the broker dropped, and what the move skipped,
    /// is reported as lost when the next record arrives (<see cref="ReportIfDropped"/>).
    /// </summary>
    private void UnstickFromDroppedOffsets(long now)
    {
        if (!AtLeastOnce)
        {
            return; // at most once resets to the end, which the broker never drops
        }

        foreach (var (tp, state) in _partitions!)
        {
            if (state.Paused || now - state.LastRecordTicks < Stopwatch.Frequency)
            {
                continue;
            }

            var position = _consumer!.Position(tp).Value;
            if (position < 0)
            {
                position = state.NextExpected;
            }

            var cached = _consumer.GetWatermarkOffsets(tp);
            if (position < 0 || cached is null || cached.High.Value <= position)
            {
                continue; // nothing to read, or nothing known to compare with
            }

            WatermarkOffsets fresh;
            try
            {
                fresh = _consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(1));
            }
            catch (KafkaException)
            {
                continue; // the broker is away: the client's reconnects come first
            }

            state.LastRecordTicks = now; // asked once a second at most, whatever the answer
            if (fresh.Low.Value <= position)
            {
                continue;
            }

            state.StuckRounds++;
            var span = fresh.High.Value - fresh.Low.Value;
            var target = fresh.Low.Value + span - (span >> Math.Min(state.StuckRounds - 1, 16));
            state.QueriedLow = target;
            _consumer.Seek(new TopicPartitionOffset(tp, target));
        }
    }

    private void Emit(KafkaRecord record, PartitionState state, KafkaSpoutMessageId? retry)
    {
        KafkaTuple? tuple;
        try
        {
            tuple = _config.RecordTranslator.Translate(record);
        }
        catch (Exception e)
        {
            _collector!.ReportError(new InvalidOperationException(
                $"the record translator failed on Kafka record {record.Topic}-{record.Partition}@{record.Offset}; the record is skipped: {e.Message}", e));
            state.Emitted(record.Offset);
            state.Done(record.Offset);
            return;
        }

        state.Emitted(record.Offset);
        if (tuple is null)
        {
            state.Done(record.Offset);
            return;
        }

        try
        {
            if (AtLeastOnce)
            {
                if (!_checkpointing)
                {
                    state.Records[record.Offset] = record; // kept for retries; with checkpoints a failure rewinds instead
                }

                _collector!.Emit(tuple.Stream, tuple.Values, retry ?? new KafkaSpoutMessageId(record.Topic, record.Partition, record.Offset));
            }
            else
            {
                state.Done(record.Offset);
                _collector!.Emit(tuple.Stream, tuple.Values, null);
            }
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            _collector!.ReportError(new InvalidOperationException(
                $"Kafka record {record.Topic}-{record.Partition}@{record.Offset} could not be emitted on stream '{tuple.Stream}'; the record is skipped: {e.Message}", e));
            state.Done(record.Offset);
        }
    }

    private void Commit()
    {
        if (_consumer is null || _config.ProcessingGuarantee == ProcessingGuarantee.AtMostOnce)
        {
            UpdateLag();
            return;
        }

        List<TopicPartitionOffset>? offsets = null;
        foreach (var (tp, state) in _partitions!)
        {
            if (_checkpointing)
            {
                // Only as far as a committed checkpoint covers: acked records may belong to a checkpoint rolled back yet.
                if (_checkpointCommitted!.TryGetValue(tp, out var covered) && covered != state.Committed)
                {
                    (offsets ??= []).Add(new TopicPartitionOffset(tp, covered));
                }

                continue;
            }

            var point = state.CommitPoint;
            if (point >= 0 && point > state.Committed)
            {
                (offsets ??= []).Add(new TopicPartitionOffset(tp, point));
            }
        }

        if (offsets is not null)
        {
            CommitOffsets(offsets);
        }

        UpdateLag();
    }

    private void CommitOffsets(List<TopicPartitionOffset> offsets)
    {
        try
        {
            _consumer!.Commit(offsets);
        }
        catch (KafkaException e)
        {
            _collector!.ReportError(new InvalidOperationException($"committing offsets of group '{_config.GroupId}' failed; retrying at the next commit: {e.Message}", e));
            return;
        }

        List<TopicPartition>? resume = null;
        foreach (var o in offsets)
        {
            if (!_partitions!.TryGetValue(o.TopicPartition, out var state))
            {
                continue;
            }

            state.Committed = o.Offset.Value;
            _committedByMe!.Add(o.TopicPartition);
            if (state.Paused && state.Uncommitted < _config.MaxUncommittedOffsets)
            {
                state.Paused = false;
                state.LastRecordTicks = Stopwatch.GetTimestamp(); // a second from now before it counts as stuck
                (resume ??= []).Add(o.TopicPartition);
            }
        }

        if (resume is not null)
        {
            _consumer!.Resume(resume);
        }
    }

    private void UpdateLag()
    {
        if (_consumer is null)
        {
            return;
        }

        foreach (var (tp, state) in _partitions!)
        {
            var marks = _consumer.GetWatermarkOffsets(tp);
            if (marks is null || marks.High.Value < 0)
            {
                continue;
            }

            KafkaSpoutLag.Set(_context!.StormId, new PartitionLag(
                _context.ThisComponentId, tp.Topic, tp.Partition.Value, marks.High.Value, state.Committed, KafkaOffsetLag.Lag(state.Committed, marks)));
        }
    }

    /// <summary>
    /// Gives partitions up: unassigned, their state and lag dropped. A paused partition is resumed first, because the
    /// Kafka client keeps a partition's pause across unassign and assign: given back to this task later, it would
    /// never be fetched again.
    /// </summary>
    private void Forget(List<TopicPartition> partitions)
    {
        var paused = partitions.Where(tp => _partitions![tp].Paused).ToList();
        if (paused.Count > 0)
        {
            _consumer!.Resume(paused);
        }

        _consumer!.IncrementalUnassign(partitions);
        foreach (var tp in partitions)
        {
            _partitions!.Remove(tp);
            _checkpointCommitted!.Remove(tp);
            KafkaSpoutLag.Remove(_context!.StormId, _context.ThisComponentId, tp.Topic, tp.Partition.Value);
        }
    }

    private void RefreshAssignment()
    {
        Metadata metadata;
        try
        {
            metadata = _admin!.GetMetadata(MetadataTimeout);
        }
        catch (KafkaException e)
        {
            _collector!.ReportError(new InvalidOperationException($"listing the partitions of the Kafka spout's topics failed; retrying: {e.Message}", e));
            return;
        }

        var all = new List<TopicPartition>();
        foreach (var topic in metadata.Topics)
        {
            if (topic.Error.IsError || topic.Topic.StartsWith("__", StringComparison.Ordinal) || !_config.Matches(topic.Topic))
            {
                continue;
            }

            foreach (var p in topic.Partitions)
            {
                all.Add(new TopicPartition(topic.Topic, p.PartitionId));
            }
        }

        all.Sort((a, b) =>
        {
            var c = string.CompareOrdinal(a.Topic, b.Topic);
            return c != 0 ? c : a.Partition.Value.CompareTo(b.Partition.Value);
        });
        var taskCount = Math.Max(1, _context!.GetComponentTasks(_context.ThisComponentId).Count);
        var mine = new HashSet<TopicPartition>();
        for (var i = _context.ThisTaskIndex; i < all.Count; i += taskCount)
        {
            mine.Add(all[i]);
        }

        // Offsets a rewind gave partitions of a listed topic that are not this task's any more will not be used.
        foreach (var tp in _startAt!.Keys.Where(tp => !mine.Contains(tp) && metadata.Topics.Any(t => t.Topic == tp.Topic && !t.Error.IsError)).ToList())
        {
            _startAt.Remove(tp);
        }

        if (mine.SetEquals(_partitions!.Keys))
        {
            return;
        }

        var revoked = _partitions.Keys.Where(tp => !mine.Contains(tp)).ToList();
        if (revoked.Count > 0)
        {
            Commit();
            Forget(revoked);
        }

        var added = mine.Where(tp => !_partitions.ContainsKey(tp)).ToList();
        if (added.Count == 0)
        {
            return;
        }

        var starts = ResolveStarts(added);
        if (starts is null)
        {
            return;
        }

        foreach (var (start, state) in starts)
        {
            _partitions[start.TopicPartition] = state;
            _startAt.Remove(start.TopicPartition);
        }

        _consumer!.IncrementalAssign(starts.Select(s => s.Start));
    }

    /// <summary>
    /// Where each of <paramref name="partitions"/> starts, with its fresh state: at the offset a rewind gave it, else
    /// at the group's commit or the partition's beginning or end as the first-poll strategy says. With checkpoints a
    /// beginning or end is resolved to an offset (the low or high watermark), so that a position can name it before
    /// anything of the partition is emitted. Null, the error reported, when the group's commits or the watermarks
    /// cannot be read; the caller tries again later.
    /// </summary>
    private List<(TopicPartitionOffset Start, PartitionState State)>? ResolveStarts(List<TopicPartition> partitions)
    {
        List<TopicPartitionOffset> committed;
        try
        {
            committed = _consumer!.Committed(partitions, MetadataTimeout);
        }
        catch (KafkaException e)
        {
            _collector!.ReportError(new InvalidOperationException($"reading the committed offsets of group '{_config.GroupId}' failed; retrying: {e.Message}", e));
            return null;
        }

        var result = new List<(TopicPartitionOffset, PartitionState)>(committed.Count);
        foreach (var c in committed)
        {
            var tp = c.TopicPartition;
            var has = c.Offset.Value >= 0;
            if (_startAt!.TryGetValue(tp, out var at))
            {
                result.Add((new TopicPartitionOffset(tp, at), new PartitionState(has ? c.Offset.Value : -1, at)));
                continue;
            }

            var useCommit = _config.FirstPollOffsetStrategy switch
            {
                FirstPollOffsetStrategy.Earliest or FirstPollOffsetStrategy.Latest => has && _committedByMe!.Contains(tp),
                _ => has,
            };
            var fallback = _config.FirstPollOffsetStrategy is FirstPollOffsetStrategy.Latest or FirstPollOffsetStrategy.UncommittedLatest
                ? Offset.End
                : Offset.Beginning;
            var start = useCommit ? c.Offset : fallback;
            if (_checkpointing)
            {
                if (!useCommit)
                {
                    try
                    {
                        var marks = _consumer.QueryWatermarkOffsets(tp, MetadataTimeout);
                        start = fallback == Offset.End ? marks.High : marks.Low;
                    }
                    catch (KafkaException e)
                    {
                        _collector!.ReportError(new InvalidOperationException(
                            $"reading the first and end offsets of Kafka partition {tp.Topic}-{tp.Partition.Value} failed; retrying: {e.Message}", e));
                        return null;
                    }
                }

                _firstStarts!.TryAdd(tp, start.Value);
            }

            result.Add((new TopicPartitionOffset(tp, start), new PartitionState(useCommit ? c.Offset.Value : -1, start.IsSpecial ? -1 : start.Value)));
        }

        return result;
    }

    private static Dictionary<TopicPartition, long> ParsePosition(string position)
    {
        var result = new Dictionary<TopicPartition, long>();
        try
        {
            using var json = JsonDocument.Parse(position);
            foreach (var topic in json.RootElement.EnumerateObject())
            {
                foreach (var partition in topic.Value.EnumerateObject())
                {
                    result[new TopicPartition(topic.Name, int.Parse(partition.Name, CultureInfo.InvariantCulture))] = partition.Value.GetInt64();
                }
            }
        }
        catch (Exception e) when (e is JsonException or FormatException or OverflowException or InvalidOperationException)
        {
            throw new InvalidOperationException($"'{position}' is not a Kafka spout position (an object of topics, each an object of partition: offset)", e);
        }

        return result;
    }
}
