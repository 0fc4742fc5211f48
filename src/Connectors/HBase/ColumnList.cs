using System.Buffers.Binary;
using System.Text;

namespace StormSharp.Connectors.HBase;

/// <summary>The cells and counter increments an <see cref="IHBaseMapper"/> makes of one tuple (storm-hbase's ColumnList).</summary>
public sealed class ColumnList
{
    /// <summary>The columns to put.</summary>
    public List<(string Family, string Qualifier, byte[] Value)> Columns { get; } = [];

    /// <summary>The counters to increment.</summary>
    public List<(string Family, string Qualifier, long Increment)> Counters { get; } = [];

    /// <summary>Puts <paramref name="value"/> in family:qualifier.</summary>
    public ColumnList AddColumn(string family, string qualifier, byte[] value)
    {
        Check(family, qualifier);
        Columns.Add((family, qualifier, value ?? throw new ArgumentNullException(nameof(value))));
        return this;
    }

    /// <summary>Puts <paramref name="value"/> as UTF-8 in family:qualifier.</summary>
    public ColumnList AddColumn(string family, string qualifier, string value) =>
        AddColumn(family, qualifier, Encoding.UTF8.GetBytes(value ?? throw new ArgumentNullException(nameof(value))));

    /// <summary>Adds <paramref name="increment"/> to the counter in family:qualifier (an 8-byte big-endian long, as HBase's Bytes.toBytes(long)).</summary>
    public ColumnList AddCounter(string family, string qualifier, long increment)
    {
        Check(family, qualifier);
        Counters.Add((family, qualifier, increment));
        return this;
    }

    /// <summary>A counter cell's bytes.</summary>
    public static byte[] CounterBytes(long value)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(b, value);
        return b;
    }

    /// <summary>A counter cell's value; throws naming the length when the cell is not 8 bytes.</summary>
    public static long CounterValue(byte[] cell) =>
        cell.Length == 8 ? BinaryPrimitives.ReadInt64BigEndian(cell) : throw new FormatException($"an HBase counter cell holds 8 bytes; this one holds {cell.Length}");

    private static void Check(string family, string qualifier)
    {
        if (string.IsNullOrEmpty(family) || family.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException($"an HBase column family must be non-empty and without ':' (got '{family}')", nameof(family));
        }

        ArgumentNullException.ThrowIfNull(qualifier);
    }
}
