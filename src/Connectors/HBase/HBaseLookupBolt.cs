using StormSharp.Topology;

namespace StormSharp.Connectors.HBase;

/// <summary>
/// Reads each tuple's row through HBase's REST gateway and emits what the value mapper makes of it, anchored to the
/// input (storm-hbase's HBaseLookupBolt). A missing row reaches the mapper as null; a failed request fails the tuple.
/// </summary>
public sealed class HBaseLookupBolt : BaseRichBolt
{
    private readonly string _restUrl;
    private readonly string _table;
    private readonly IHBaseMapper _rowMapper;
    private readonly IHBaseValueMapper _valueMapper;
    private TimeSpan _timeout = TimeSpan.FromSeconds(10);

    [NonSerialized]
    private HBaseRestClient? _client;
    [NonSerialized]
    private IOutputCollector? _collector;

    /// <summary>Reads rows of <paramref name="table"/> whose key <paramref name="rowMapper"/> gives.</summary>
    public HBaseLookupBolt(string restUrl, string table, IHBaseMapper rowMapper, IHBaseValueMapper valueMapper)
    {
        if (string.IsNullOrWhiteSpace(table))
        {
            throw new ArgumentException("the HBase lookup bolt needs a table name", nameof(table));
        }

        using (new HBaseRestClient(restUrl, TimeSpan.FromSeconds(1)))
        {
        }

        _restUrl = restUrl;
        _table = table;
        _rowMapper = rowMapper ?? throw new ArgumentNullException(nameof(rowMapper));
        _valueMapper = valueMapper ?? throw new ArgumentNullException(nameof(valueMapper));
    }

    /// <summary>How long one request may take. Default 10 s.</summary>
    public HBaseLookupBolt WithTimeout(TimeSpan timeout)
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
    }

    /// <inheritdoc/>
    public override void Execute(ITuple input)
    {
        try
        {
            var row = _client!.GetRow(_table, _rowMapper.RowKey(input));
            foreach (var values in _valueMapper.ToValues(input, row))
            {
                _collector!.Emit(input, values);
            }

            _collector!.Ack(input);
        }
        catch (Exception e) when (e is HBaseRestException or ArgumentException or FormatException)
        {
            _collector!.ReportError(e);
            _collector.Fail(input);
        }
    }

    /// <inheritdoc/>
    public override void Cleanup()
    {
        _client?.Dispose();
        _client = null;
    }

    /// <inheritdoc/>
    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => _valueMapper.DeclareOutputFields(declarer);
}
