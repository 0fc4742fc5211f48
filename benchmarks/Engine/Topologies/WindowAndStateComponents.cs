using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StormSharp.Topology;
using StormSharp.Topology.State;
using StormSharp.Topology.Windowing;

namespace StormSharp.Benchmarks.Engine.Topologies;

/// <summary>Counts the words of each window it is given (the windowed counterpart of <see cref="CountBolt"/>).</summary>
public sealed class WindowCountBolt : BaseWindowedBolt
{
    [NonSerialized]
    private Dictionary<string, long>? _counts;

    public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector) =>
        _counts = new Dictionary<string, long>(StringComparer.Ordinal);

    public override void Execute(TupleWindow window)
    {
        // Incremental, as a windowed count is written: add the new words, take the expired ones out.
        foreach (var t in window.GetNew())
        {
            System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_counts!, (string)t.GetValue(0)!, out _)++;
        }

        foreach (var t in window.GetExpired())
        {
            System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_counts!, (string)t.GetValue(0)!, out _)--;
        }
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("word", "count"));
}

/// <summary>Counts words in checkpointed state (the stateful counterpart of <see cref="CountBolt"/>).</summary>
public sealed class StatefulCountBolt : BaseStatefulBolt<KeyValueState<string, long>>
{
    [NonSerialized]
    private IOutputCollector? _collector;

    [NonSerialized]
    private KeyValueState<string, long>? _counts;

    public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector) => _collector = collector;

    public override void InitState(KeyValueState<string, long> state) => _counts = state;

    public override void Execute(ITuple input)
    {
        var word = (string)input.GetValue(0)!;
        _counts!.Put(word, _counts.Get(word, 0) + 1);
        _collector!.Ack(input);
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("word", "count"));
}

/// <summary>Debian's redis-server on a free loopback port, without persistence, for the state section; stopped by its pid.</summary>
public sealed class BenchRedis : IDisposable
{
    private readonly Process _process;
    private readonly string _dir;

    private BenchRedis(Process process, string dir, int port)
    {
        _process = process;
        _dir = dir;
        Port = port;
    }

    public int Port { get; }

    public static BenchRedis Start()
    {
        const string exe = "/usr/bin/redis-server";
        if (!File.Exists(exe))
        {
            throw new InvalidOperationException("redis-server is not installed; run: deploy/install-deps redis");
        }

        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var dir = Path.Combine(Path.GetTempPath(), "stormsharp-bench-redis-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var psi = new ProcessStartInfo(exe) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir };
        foreach (var a in new[] { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no" })
        {
            psi.ArgumentList.Add(a);
        }

        var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                return new BenchRedis(process, dir, port);
            }
            catch (SocketException) when (deadline.Elapsed < TimeSpan.FromSeconds(10) && !process.HasExited)
            {
                Thread.Sleep(50);
            }
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(5000);
            }
        }
        finally
        {
            _process.Dispose();
            Directory.Delete(_dir, recursive: true);
        }
    }
}

/// <summary>The benchmark's sentences, unpaced, from a position it can be rewound to (a checkpointable spout).</summary>
public sealed class ReplayableSentenceSpout : BaseRichSpout, ICheckpointableSpout
{
    [NonSerialized]
    private ISpoutOutputCollector? _collector;

    [NonSerialized]
    private Values[]? _sentences;

    [NonSerialized]
    private long _position;

    [NonSerialized]
    private long _acked;

    [NonSerialized]
    private int _slot;

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("sentence"));

    public override void Open(IReadOnlyDictionary<string, object?> conf, TopologyContext context, ISpoutOutputCollector collector)
    {
        _collector = collector;
        _slot = context.ThisTaskIndex;
        _sentences = PipelineShapeSentences();
    }

    public override void NextTuple()
    {
        _collector!.Emit(_sentences![(int)(_position % _sentences.Length)], Stopwatch.GetTimestamp());
        _position++;
    }

    public override void Ack(object msgId)
    {
        EngineProbes.Latency.RecordTicks(Stopwatch.GetTimestamp() - (long)msgId);
        EngineProbes.Acked.Publish(_slot, ++_acked);
    }

    public string? GetPosition() => _position.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public void Seek(string? position) => _position = position is null ? 0 : long.Parse(position, System.Globalization.CultureInfo.InvariantCulture);

    private static Values[] PipelineShapeSentences() => Peers.PipelineShape.Sentences.Select(s => new Values(s)).ToArray();
}
