using System.Diagnostics;
using System.Text;
using StormSharp.Topology;

namespace StormSharp.Connectors.HBase;

/// <summary>
/// Writes tuples to an HBase table through HBase's REST gateway (storm-hbase's HBaseBolt): the mapper gives each
/// tuple's row key, cells and counter increments. Cells are put in batches of <see cref="BatchSize"/> tuples (one
/// request per batch, sent when full, when its first tuple has waited <see cref="FlushInterval"/>, or at the next
/// tick tuple); counters are incremented by check-and-put, retried while another writer gets in between. A batch's
/// tuples are acked when it is written and all failed, with the gateway's status and message reported, otherwise.
/// </summary>
/// <remarks>
/// Puts are idempotent under replay; counter increments are not (a replayed tuple increments again), as in
/// storm-hbase.
/// </remarks>
public sealed class HBaseBolt : BaseRichBolt
{
    private const int MaxCasAttempts = 50;

    private readonly string _restUrl;
    private readonly string _table;
    private readonly IHBaseMapper _mapper;
    private int _batchSize = 100;
    private TimeSpan _flushInterval = TimeSpan.FromMilliseconds(50);
    private TimeSpan _timeout = TimeSpan.FromSeconds(10);

    [NonSerialized]
    private HBaseRestClient? _client;
    [NonSerialized]
    private IOutputCollector? _collector;
    [NonSerialized]
    private List<(ITuple Tuple, byte[] Row, ColumnList Columns)>? _batch;
    [NonSerialized]
    private long _firstAt;

    /// <summary>Writes to <paramref name="table"/> through the gateway at <paramref name="restUrl"/>.</summary>
    public HBaseBolt(string restUrl, string table, IHBaseMapper mapper)
    {
        if (string.IsNullOrWhiteSpace(table))
        {
            throw new ArgumentException("the HBase bolt needs a table name", nameof(table));
        }

        using (new HBaseRestClient(restUrl, TimeSpan.FromSeconds(1)))
        {
            // Checks the URL now, at build time, rather than in every task.
        }

        _restUrl = restUrl;
        _table = table;
        _mapper = mapper ?? throw new ArgumentNullException(nameof(mapper));
    }

    /// <summary>Tuples per put request. Default 100.</summary>
    public int BatchSize => _batchSize;

    /// <summary>The longest a tuple waits in a batch that is not full. Default 50 ms.</summary>
    public TimeSpan FlushInterval => _flushInterval;

    /// <summary>Sets <see cref="BatchSize"/> (at least 1).</summary>
    public HBaseBolt WithBatchSize(int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        _batchSize = size;
        return this;
    }

    /// <summary>Sets <see cref="FlushInterval"/>.</summary>
    public HBaseBolt WithFlushInterval(TimeSpan interval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(interval, TimeSpan.Zero);
        _flushInterval = interval;
        return this;
    }

    /// <summary>How long one request may take. Default 10 s.</summary>
    public HBaseBolt WithTimeout(TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        _timeout = timeout;
        return this;
    }

    /// <inheritdoc/>
    public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector)
    {
        _collector = collector;
        _client = new HBaseRestClient(_restUrl, _timeout);
        _batch = new(_batchSize);
    }

    /// <inheritdoc/>
    public override void Execute(ITuple input)
    {
        if (Utils.IsTick(input))
        {
            Flush();
            return;
        }

        try
        {
            _batch!.Add((input, _mapper.RowKey(input), _mapper.Columns(input)));
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException)
        {
            _collector!.ReportError(e);
            _collector.Fail(input);
            return;
        }

        if (_batch.Count == 1)
        {
            _firstAt = Stopwatch.GetTimestamp();
        }

        if (_batch.Count >= _batchSize || Stopwatch.GetElapsedTime(_firstAt) >= _flushInterval)
        {
            Flush();
        }
    }

    /// <inheritdoc/>
    public override void Cleanup()
    {
        Flush();
        _client?.Dispose();
        _client = null;
    }

    /// <inheritdoc/>
    public override IDictionary<string, object?>? GetComponentConfiguration() =>
        new Dictionary<string, object?>(StringComparer.Ordinal) { [Config.TopologyTickTupleFreqSecs] = 1 };

    /// <inheritdoc/>
    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
    {
    }

    private void Flush()
    {
        if (_batch is null || _batch.Count == 0)
        {
            return;
        }

        try
        {
            var rows = new List<(byte[], IReadOnlyList<(string, byte[])>)>();
            foreach (var (_, row, columns) in _batch)
            {
                if (columns.Columns.Count > 0)
                {
                    rows.Add((row, columns.Columns.Select(c => ($"{c.Family}:{c.Qualifier}", c.Value)).ToList()));
                }
            }

            if (rows.Count > 0)
            {
                _client!.PutRows(_table, rows);
            }

            foreach (var (_, row, columns) in _batch)
            {
                foreach (var (family, qualifier, increment) in columns.Counters)
                {
                    Increment(row, $"{family}:{qualifier}", increment);
                }
            }

            foreach (var (tuple, _, _) in _batch)
            {
                _collector!.Ack(tuple);
            }
        }
        catch (Exception e) when (e is HBaseRestException or FormatException)
        {
            _collector!.ReportError(new InvalidOperationException(
                $"writing a batch of {_batch.Count} tuples to HBase table '{_table}' failed; its tuples are failed for replay: {e.Message}", e));
            foreach (var (tuple, _, _) in _batch)
            {
                _collector.Fail(tuple);
            }
        }
        finally
        {
            _batch.Clear();
        }
    }

    private void Increment(byte[] row, string column, long increment)
    {
        for (var attempt = 0; attempt < MaxCasAttempts; attempt++)
        {
            var current = _client!.GetRow(_table, row) is { } r && r.Cells.TryGetValue(column, out var cell) ? cell : null;
            var next = (current is null ? 0 : ColumnList.CounterValue(current)) + increment;
            if (_client.CheckAndPut(_table, row, column, ColumnList.CounterBytes(next), current))
            {
                return;
            }
        }

        throw new HBaseRestException(System.Net.HttpStatusCode.Conflict,
            $"incrementing counter {column} of row '{Encoding.UTF8.GetString(row)}' lost {MaxCasAttempts} check-and-put races in a row");
    }
}
