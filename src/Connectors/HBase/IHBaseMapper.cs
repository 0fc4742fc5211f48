using StormSharp.Topology;

namespace StormSharp.Connectors.HBase;

/// <summary>Row key and columns of a tuple for <see cref="HBaseBolt"/> (storm-hbase's HBaseMapper). Implement it as a class of plain fields.</summary>
public interface IHBaseMapper
{
    /// <summary>The row key.</summary>
    byte[] RowKey(ITuple tuple);

    /// <summary>The cells to put and the counters to increment.</summary>
    ColumnList Columns(ITuple tuple);
}

/// <summary>What <see cref="HBaseLookupBolt"/> emits for a row it read (storm-hbase's HBaseValueMapper).</summary>
public interface IHBaseValueMapper
{
    /// <summary>The tuples to emit for <paramref name="input"/> and its row (null when the row does not exist).</summary>
    IReadOnlyList<IReadOnlyList<object?>> ToValues(ITuple input, HBaseRow? row);

    /// <summary>Declares the lookup bolt's output.</summary>
    void DeclareOutputFields(IOutputFieldsDeclarer declarer);
}

/// <summary>One row as HBase's REST gateway returned it: its key and its cells by "family:qualifier".</summary>
public sealed record HBaseRow(byte[] Key, IReadOnlyDictionary<string, byte[]> Cells);
