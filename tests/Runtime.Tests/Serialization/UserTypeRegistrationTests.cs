using System.Buffers;
using StormSharp.Runtime.Serialization;
using StormSharp.Topology;

namespace StormSharp.Runtime.Tests.Serialization;

/// <summary>User types in tuples registered through the topology config, as Storm's topology.kryo.register.</summary>
public sealed class UserTypeRegistrationTests : ClusterTestBase
{
    private static readonly string MoneyName = typeof(Money).AssemblyQualifiedName!;

    [Fact]
    public void Submit_RegisteredTypeAcrossTwoWorkers_ArrivesEqualAndGroupsByKey()
    {
        const int count = 2_000;
        var readsBefore = MoneySerializer.Reads;
        var builder = new TopologyBuilder();
        builder.SetSpout("spout", new MoneySpout(Key, count), 1);
        builder.SetBolt("bolt", new RecordingBolt(OtherKey, false, "money"), 4).FieldsGrouping("spout", new Fields("money"));
        var config = new Config().SetNumWorkers(2).RegisterSerialization(typeof(Money), typeof(MoneySerializer));
        Cluster.SubmitTopology("money", config, builder.CreateTopology());

        var record = Board.Of(Key);
        Await.Until(() => record.Acked.Count == count, TimeSpan.FromSeconds(60), () => $"{count} acks, have {record.Acked.Count} (+{record.Failed.Count} failed)");
        var received = Board.Of(OtherKey).Received.ToList();
        Assert.Equal(count, received.Count);
        Assert.All(received, r => Assert.Equal(MoneySpout.KeyOf((long)r.Values[1]!), Assert.IsType<Money>(r.Values[0])));

        // Equal keys reach one task each; the keys spread over more than one task, and some crossed between workers.
        var tasksOfKey = received.GroupBy(r => (Money)r.Values[0]!).ToDictionary(g => g.Key, g => g.Select(r => r.Task).Distinct().Count());
        Assert.Equal(MoneySpout.Keys, tasksOfKey.Count);
        Assert.All(tasksOfKey.Values, n => Assert.Equal(1, n));
        Assert.True(received.Select(r => r.Task).Distinct().Count() > 1, "keys should spread over several tasks");
        Assert.True(MoneySerializer.Reads > readsBefore, "some tuples should have crossed between the workers through MoneySerializer");
    }

    [Theory]
    [InlineData("unknown-type", "type 'No.Such.Type, NoSuchAssembly' cannot be found in the topology's assemblies")]
    [InlineData("unknown-serializer", "the serializer 'No.Such.Serializer, NoSuchAssembly' of StormSharp.Runtime.Tests.Serialization.Money cannot be found")]
    [InlineData("wrong-interface", "does not implement ITupleValueSerializer<Money>")]
    [InlineData("no-constructor", "has no public parameterless constructor")]
    [InlineData("duplicate", "is registered more than once")]
    [InlineData("not-a-map", "must be a map from a type name to its serializer's type name")]
    public void Submit_BadRegistration_IsRefusedWithTheReason(string problem, string expected)
    {
        var config = new Config();
        switch (problem)
        {
            case "unknown-type": Register(config, "No.Such.Type, NoSuchAssembly", typeof(MoneySerializer).AssemblyQualifiedName!); break;
            case "unknown-serializer": Register(config, MoneyName, "No.Such.Serializer, NoSuchAssembly"); break;
            case "wrong-interface": Register(config, MoneyName, typeof(string).AssemblyQualifiedName!); break;
            case "no-constructor": config.RegisterSerialization(typeof(Money), typeof(NoConstructorSerializer)); break;
            case "duplicate": config.RegisterSerialization(typeof(Money), typeof(MoneySerializer)).RegisterSerialization(typeof(Money), typeof(MoneySerializer)); break;
            default: config.Set(Config.TopologySerializationRegister, new List<object?> { MoneyName }); break;
        }

        var builder = new TopologyBuilder();
        builder.SetSpout("spout", new CountingSpout(Key, 1));
        var e = Assert.Throws<InvalidTopologyException>(() => Cluster.SubmitTopology("bad", config, builder.CreateTopology()));
        Assert.Contains($"configuration '{Config.TopologySerializationRegister}'", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RegisterSerialization_SerializerOfAnotherType_ThrowsAtOnce()
    {
        var e = Assert.Throws<ArgumentException>(() => new Config().RegisterSerialization(typeof(Money), typeof(NoConstructorSerializer).BaseType!));
        Assert.Contains("does not implement ITupleValueSerializer<Money>", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_RegistrationOrder_DoesNotChangeTypeIds()
    {
        Type Resolve(string name) => Type.GetType(name)!;
        var one = TupleValueSerializerFactory.Create(
            new Config().RegisterSerialization(typeof(Money), typeof(MoneySerializer)).RegisterSerialization(typeof(Other), typeof(OtherSerializer)), Resolve);
        var two = TupleValueSerializerFactory.Create(
            new Config().RegisterSerialization(typeof(Other), typeof(OtherSerializer)).RegisterSerialization(typeof(Money), typeof(MoneySerializer)), Resolve);

        Assert.True(one.TryGet(typeof(Money), out var a), "Money should be registered");
        Assert.True(two.TryGet(typeof(Money), out var b), "Money should be registered");
        Assert.True(one.TryGet(typeof(Other), out var c), "Other should be registered");
        Assert.True(two.TryGet(typeof(Other), out var d), "Other should be registered");
        Assert.Equal(a.TypeId, b.TypeId);
        Assert.Equal(c.TypeId, d.TypeId);
        Assert.NotEqual(a.TypeId, c.TypeId);
    }

    [Fact]
    public void Codec_RegisteredType_RoundTripsThroughTheFactory()
    {
        var registry = TupleValueSerializerFactory.Create(new Config().RegisterSerialization(typeof(Money), typeof(MoneySerializer)), n => Type.GetType(n));
        var codec = new TupleCodec(null, registry);
        var buffer = new ArrayBufferWriter<byte>();
        TupleCodec.WriteBatchHeader(buffer);
        codec.WriteTuple(buffer, 1, 2, "default", [], new Values(new Money("EUR", 150), new List<object?> { new Money("USD", -1) }));
        var output = new List<WireTuple>();
        codec.ReadBatch(buffer.WrittenSpan, output);

        Assert.Equal(new Money("EUR", 150), output[0].Values[0]);
        Assert.Equal(new Money("USD", -1), Assert.IsType<List<object?>>(output[0].Values[1])[0]);
    }

    private static void Register(Config config, string type, string serializer) =>
        config.Set(Config.TopologySerializationRegister, new List<object?> { new Dictionary<string, object?> { [type] = serializer } });

    public sealed record Other(int N);

    public sealed class OtherSerializer : ITupleValueSerializer<Other>
    {
        public void Write(Other value, IBufferWriter<byte> output)
        {
            BitConverter.TryWriteBytes(output.GetSpan(4), value.N);
            output.Advance(4);
        }

        public Other Read(ReadOnlySpan<byte> payload) => new(BitConverter.ToInt32(payload));
    }

    public abstract class SerializerBase
    {
    }

    public sealed class NoConstructorSerializer(int unused) : SerializerBase, ITupleValueSerializer<Money>
    {
        public int Unused { get; } = unused;

        public void Write(Money value, IBufferWriter<byte> output) => throw new NotSupportedException();

        public Money Read(ReadOnlySpan<byte> payload) => throw new NotSupportedException();
    }

    /// <summary>Emits (money, n) tracked by n, with <see cref="Keys"/> distinct Money values.</summary>
    private sealed class MoneySpout(string key, long count) : BaseRichSpout
    {
        public const int Keys = 12;
        [NonSerialized]
        private ISpoutOutputCollector? _collector;
        private long _next;

        public static Money KeyOf(long n) => new(n % 2 == 0 ? "EUR" : "USD", n % Keys);

        public override void Open(IReadOnlyDictionary<string, object?> conf, TopologyContext context, ISpoutOutputCollector collector) => _collector = collector;

        public override void NextTuple()
        {
            if (_next < count)
            {
                var n = _next++;
                _collector!.Emit(new Values(KeyOf(n), n), n);
            }
        }

        public override void Ack(object msgId) => Board.Of(key).Acked.AddOrUpdate(msgId, 1, (_, c) => c + 1);

        public override void Fail(object msgId) => Board.Of(key).Failed.AddOrUpdate(msgId, 1, (_, c) => c + 1);

        public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("money", "n"));
    }
}
