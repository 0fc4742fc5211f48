using System.Buffers.Binary;
using System.Text;

namespace StormSharp.ZooKeeper.Internal;

/// <summary>Reads jute records from one received frame; any overrun means the peer is not speaking the protocol.</summary>
internal ref struct JuteReader
{
    private readonly ReadOnlySpan<byte> _span;
    private int _position;

    public JuteReader(ReadOnlySpan<byte> span)
    {
        _span = span;
        _position = 0;
    }

    public readonly int Remaining => _span.Length - _position;

    public int ReadInt()
    {
        var v = BinaryPrimitives.ReadInt32BigEndian(Take(4));
        return v;
    }

    public long ReadLong() => BinaryPrimitives.ReadInt64BigEndian(Take(8));

    public bool ReadBool() => Take(1)[0] != 0;

    public string? ReadString()
    {
        var len = ReadInt();
        if (len < 0)
        {
            return null;
        }

        return Encoding.UTF8.GetString(Take(len));
    }

    public byte[]? ReadBuffer()
    {
        var len = ReadInt();
        if (len < 0)
        {
            return null;
        }

        return Take(len).ToArray();
    }

    public Stat ReadStat() => new(
        ReadLong(), ReadLong(), ReadLong(), ReadLong(), ReadInt(), ReadInt(), ReadInt(), ReadLong(), ReadInt(), ReadInt(), ReadLong());

    public List<string> ReadStrings(Func<string, string> map)
    {
        var count = ReadInt();
        if (count < 0)
        {
            return [];
        }

        if (count > Remaining / 4)
        {
            throw new ProtocolException($"vector of {count} strings exceeds the frame");
        }

        var list = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            list.Add(map(ReadString() ?? string.Empty));
        }

        return list;
    }

    public List<Acl> ReadAcls()
    {
        var count = ReadInt();
        if (count < 0)
        {
            return [];
        }

        if (count > Remaining / 12)
        {
            throw new ProtocolException($"vector of {count} ACLs exceeds the frame");
        }

        var list = new List<Acl>(count);
        for (var i = 0; i < count; i++)
        {
            var perms = (Perms)ReadInt();
            list.Add(new Acl(perms, ReadString() ?? string.Empty, ReadString() ?? string.Empty));
        }

        return list;
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if ((uint)count > (uint)(_span.Length - _position))
        {
            throw new ProtocolException($"record needs {count} bytes at offset {_position}, frame has {_span.Length}");
        }

        var s = _span.Slice(_position, count);
        _position += count;
        return s;
    }
}
