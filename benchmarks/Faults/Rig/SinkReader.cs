using StormSharp.Benchmarks.Faults.Topology;

namespace StormSharp.Benchmarks.Faults.Rig;

/// <summary>
/// Reads what the sink wrote, on its own, from the files (never from the topology): every whole line of every file
/// under <c>sink/</c>, read on from where the last <see cref="Poll"/> stopped, counting how often each number came.
/// </summary>
internal sealed class SinkReader(string directory, long records)
{
    private readonly Dictionary<string, long> _offsets = new(StringComparer.Ordinal);
    private readonly byte[] _seen = new byte[records];
    private long _lines;
    private long _distinct;
    private long _outOfRange;

    public long Records => records;

    /// <summary>Lines read so far (duplicates included).</summary>
    public long Lines => _lines;

    /// <summary>Distinct numbers read so far.</summary>
    public long Distinct => _distinct;

    public long Missing => records - _distinct;

    public long Duplicates => _lines - _distinct - _outOfRange;

    /// <summary>Lines that are not a number of the run: a sink bug, counted as missing data's twin.</summary>
    public long OutOfRange => _outOfRange;

    public bool Complete => _distinct == records;

    public void Poll()
    {
        var dir = Path.Combine(directory, "sink");
        if (!Directory.Exists(dir))
        {
            return;
        }

        var line = new byte[FileSinkBolt.LineBytes];
        foreach (var file in Directory.EnumerateFiles(dir))
        {
            _offsets.TryGetValue(file, out var offset);
            using var s = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var whole = (s.Length - offset) / FileSinkBolt.LineBytes;
            s.Position = offset;
            using var buffered = new BufferedStream(s, 1 << 16);
            for (long i = 0; i < whole; i++)
            {
                buffered.ReadExactly(line);
                Count(line);
            }

            _offsets[file] = offset + (whole * FileSinkBolt.LineBytes);
        }
    }

    private void Count(byte[] line)
    {
        _lines++;
        long n = 0;
        for (var i = 0; i < line.Length - 1; i++)
        {
            var d = line[i] - '0';
            if (d is < 0 or > 9)
            {
                _outOfRange++;
                return;
            }

            n = (n * 10) + d;
        }

        if (n >= records || line[^1] != '\n')
        {
            _outOfRange++;
            return;
        }

        if (_seen[n] == 0)
        {
            _distinct++;
        }

        if (_seen[n] < byte.MaxValue)
        {
            _seen[n]++;
        }
    }
}
