using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Net.Client;
using StormSharp.Cluster.Rpc;

namespace StormSharp.Benchmarks.Fuzz;

/// <summary>
/// Nimbus's gRPC port: every method of its service (from the service descriptor, so a method added later is fuzzed
/// too), each call with a bad credential (<see cref="FuzzCredentials.Bad"/>, or the worker token of another topology)
/// and a body that is a well-formed request naming the running topology or hostile strings, that request truncated or
/// with a byte flipped, random bytes, a length prefix far past the end, thousands of nested groups, a huge string
/// field, tens of thousands of unknown fields, or (now and then) more than Nimbus's 8 MiB limit. A call that ends OK
/// (or streams a message) counts as accepted without credentials, except <c>GetClusterInfo</c> and <c>GetLeader</c>
/// with the other topology's worker token: any authenticated caller, a worker of any topology included, may see
/// those by design. A quarter of the inputs are raw TCP (<see cref="RawTcpFuzzer"/>).
/// </summary>
internal sealed class NimbusFuzzer : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(3);

    private readonly GrpcChannel _channel;
    private readonly CallInvoker _invoker;
    private readonly FuzzCredentials _credentials;
    private readonly string _topologyName;
    private readonly RawTcpFuzzer _raw;
    private readonly (MethodDescriptor Descriptor, Method<byte[], byte[]> Method)[] _methods;

    public NimbusFuzzer(int port, FuzzCredentials credentials, string topologyName)
    {
        _channel = Stranger.Channel(port);
        _invoker = _channel.CreateCallInvoker();
        _credentials = credentials;
        _topologyName = topologyName;
        _raw = new RawTcpFuzzer(port, tls: true);
        var service = Nimbus.Descriptor;
        _methods = [.. service.Methods.Select(m => (m, new Method<byte[], byte[]>(
            m.IsClientStreaming ? (m.IsServerStreaming ? MethodType.DuplexStreaming : MethodType.ClientStreaming) : m.IsServerStreaming ? MethodType.ServerStreaming : MethodType.Unary,
            service.FullName,
            m.Name,
            Marshallers.Create(b => b, b => b),
            Marshallers.Create(b => b, b => b))))];
    }

    /// <summary>The methods fuzzed, by name.</summary>
    public IEnumerable<string> Methods => _methods.Select(m => m.Descriptor.Name);

    public async Task<Verdict> OneAsync(Random r, CancellationToken stop)
    {
        if (r.Next(4) == 0)
        {
            return await _raw.OneAsync(r, stop).ConfigureAwait(false);
        }

        var (descriptor, method) = _methods[r.Next(_methods.Length)];
        var (label, token) = r.Next(6) == 0 ? ("worker-of-another-topology", _credentials.OtherWorker) : _credentials.AnyBad(r);
        var (shape, body) = Body(r, descriptor.InputType);
        var outcome = await CallAsync(method, body, token, r.Next(3) == 0 ? r.Next(4) : -1, r, stop).ConfigureAwait(false);
        var byDesign = label == "worker-of-another-topology" && descriptor.Name is "GetClusterInfo" or "GetLeader";
        return new Verdict(outcome, outcome == "OK" && !byDesign, $"{descriptor.Name} with {label} credentials, {shape} body");
    }

    /// <summary>The same call path with valid credentials: a well-formed GetTopologyInfo of the running topology must end OK.</summary>
    public async Task<bool> ControlAsync(CancellationToken stop)
    {
        LastDetail = null;
        var (_, method) = _methods.First(m => m.Descriptor.Name == "GetTopologyInfo");
        var body = new TopologyRequest { Name = _topologyName }.ToByteArray();
        return await CallAsync(method, body, _credentials.Valid, -1, new Random(1), stop).ConfigureAwait(false) == "OK";
    }

    /// <param name="headerShape">How the token is written: -1 as a client writes it, 0-3 other ways.</param>
    private async Task<string> CallAsync(Method<byte[], byte[]> method, byte[] body, string? token, int headerShape, Random r, CancellationToken stop)
    {
        var headers = new Metadata();
        if (token is not null)
        {
            headers.Add("authorization", headerShape switch
            {
                0 => "bearer " + token,
                1 => "Basic " + token,
                2 => token,
                3 => "Bearer  " + token + " ",
                _ => "Bearer " + token,
            });
        }

        var options = new CallOptions(headers, DateTime.UtcNow + Deadline, stop);
        return await GrpcCalls.OutcomeAsync(
            async () =>
            {
                switch (method.Type)
                {
                    case MethodType.Unary:
                        await _invoker.AsyncUnaryCall(method, null, options, body).ResponseAsync.ConfigureAwait(false);
                        break;
                    case MethodType.ServerStreaming:
                        using (var call = _invoker.AsyncServerStreamingCall(method, null, options, body))
                        {
                            // One message is enough to know it was served.
                            await call.ResponseStream.MoveNext(stop).ConfigureAwait(false);
                        }

                        break;
                    default:
                        using (var call = _invoker.AsyncClientStreamingCall(method, null, options))
                        {
                            await GrpcCalls.WriteThenAwaitResponseAsync(call, async requests =>
                            {
                                await requests.WriteAsync(body, stop).ConfigureAwait(false);
                                for (var i = r.Next(3); i > 0; i--)
                                {
                                    await requests.WriteAsync(Hostile.Bytes(r, 4096), stop).ConfigureAwait(false);
                                }
                            }).ConfigureAwait(false);
                        }

                        break;
                }
            },
            d => LastDetail = d).ConfigureAwait(false);
    }

    private (string Shape, byte[] Body) Body(Random r, MessageDescriptor input)
    {
        var wellFormed = WellFormed(r, input, 0).ToByteArray();
        switch (r.Next(20))
        {
            case 0 or 1 or 2 or 3 or 4:
                return ("well-formed", wellFormed);
            case 5 or 6:
                return ("truncated", wellFormed.Length == 0 ? [0x0a] : wellFormed[..r.Next(wellFormed.Length)]);
            case 7 or 8:
                if (wellFormed.Length > 0)
                {
                    wellFormed[r.Next(wellFormed.Length)] ^= (byte)r.Next(1, 256);
                }

                return ("byte-flipped", wellFormed);
            case 9 or 10:
                return ("random", Hostile.Bytes(r, 2048));
            case 11:
                return ("length past the end", [0x0a, 0xff, 0xff, 0xff, 0xff, 0x07, 1, 2, 3]);
            case 12:
                // Field 15, wire type 3 (start group), nested ten thousand deep.
                return ("nested groups", Enumerable.Repeat((byte)0x7b, 10_000).ToArray());
            case 13:
                return ("nested messages", NestedMessages(2_000));
            case 14:
                var unknown = new byte[100_000];
                for (var i = 0; i < unknown.Length; i += 2)
                {
                    unknown[i] = (byte)(((r.Next(1, 15) << 3) | 0) & 0x7f);
                    unknown[i + 1] = (byte)r.Next(0, 128);
                }

                return ("100 KB of unknown fields", unknown);
            case 15:
                using (var ms = new MemoryStream())
                {
                    var o = new CodedOutputStream(ms);
                    o.WriteTag(1, WireFormat.WireType.LengthDelimited);
                    o.WriteString(new string('n', 1024 * 1024));
                    o.Flush();
                    return ("1 MiB string field", ms.ToArray());
                }

            case 16 when r.Next(8) == 0:
                return ("9 MiB", new byte[9 * 1024 * 1024]);
            default:
                return ("empty", []);
        }
    }

    /// <summary>A message of <paramref name="type"/> with every scalar field set: the topology's name or id, or hostile values.</summary>
    private IMessage WellFormed(Random r, MessageDescriptor type, int depth)
    {
        var message = type.Parser.ParseFrom([]);
        foreach (var field in type.Fields.InFieldNumberOrder())
        {
            if (field.IsMap || (field.IsRepeated && field.FieldType != FieldType.Message) || r.Next(5) == 0)
            {
                continue;
            }

            object? value = field.FieldType switch
            {
                FieldType.String => r.Next(3) switch
                {
                    0 => field.Name.Contains("id", StringComparison.Ordinal) ? _credentials.TopologyId : _topologyName,
                    1 => r.Next(2) == 0 ? _credentials.TopologyId : _topologyName,
                    _ => Hostile.Text(r),
                },
                FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => (int)Hostile.Number(r),
                FieldType.UInt32 or FieldType.Fixed32 => (uint)Hostile.Number(r),
                FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => Hostile.Number(r),
                FieldType.UInt64 or FieldType.Fixed64 => (ulong)Hostile.Number(r),
                FieldType.Bool => r.Next(2) == 0,
                FieldType.Double => r.Next(3) == 0 ? double.NaN : r.NextDouble() * Hostile.Number(r),
                FieldType.Float => r.Next(3) == 0 ? float.PositiveInfinity : (float)r.NextDouble(),
                FieldType.Bytes => ByteString.CopyFrom(Hostile.Bytes(r, 4096)),
                FieldType.Message when depth < 2 => WellFormed(r, field.MessageType, depth + 1),
                _ => null,
            };
            if (value is null)
            {
                continue;
            }

            if (field.IsRepeated)
            {
                var list = (System.Collections.IList)field.Accessor.GetValue(message);
                for (var i = r.Next(1, 4); i > 0; i--)
                {
                    list.Add(WellFormed(r, field.MessageType, depth + 1));
                }
            }
            else
            {
                field.Accessor.SetValue(message, value);
            }
        }

        return message;
    }

    /// <summary>Field 1 as a length-delimited message inside itself, <paramref name="depth"/> deep (past protobuf's recursion limit).</summary>
    private static byte[] NestedMessages(int depth)
    {
        byte[] inner = [];
        for (var i = 0; i < depth; i++)
        {
            using var ms = new MemoryStream();
            var o = new CodedOutputStream(ms);
            o.WriteTag(7, WireFormat.WireType.LengthDelimited);
            o.WriteBytes(ByteString.CopyFrom(inner));
            o.Flush();
            inner = ms.ToArray();
        }

        return inner;
    }

    /// <summary>The detail of the last refusal, for the log when a control is not accepted.</summary>
    public string? LastDetail { get; private set; }

    public void Dispose() => _channel.Dispose();
}
