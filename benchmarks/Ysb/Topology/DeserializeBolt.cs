using System.Buffers;
using System.Text;
using System.Text.Json;
using StormSharp.Topology;

namespace StormSharp.Benchmarks.Ysb.Topology;

/// <summary>
/// YSB's <c>event_deserializer</c>: parses the Kafka record's JSON value into the event's seven fields. A record that
/// is no event (bad JSON, a field missing) is reported and acked, never replayed: it would fail again.
/// </summary>
public sealed class DeserializeBolt : BaseRichBolt
{
    /// <summary>The event schema, in YSB's order.</summary>
    public static readonly Fields EventFields = new("user_id", "page_id", "ad_id", "ad_type", "event_type", "event_time", "ip_address");

    private static readonly byte[][] Names = [.. EventFields.ToList().Select(Encoding.UTF8.GetBytes)];

    [NonSerialized]
    private IOutputCollector? _collector;

    /// <inheritdoc/>
    public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector) => _collector = collector;

    /// <inheritdoc/>
    public override void Execute(ITuple input)
    {
        // The Kafka spout's default translator: topic, partition, offset, key, value.
        var json = input.GetString(4);
        if (TryParse(json, out var values))
        {
            _collector!.Emit(input, values);
        }
        else
        {
            _collector!.ReportError(new FormatException($"not an ad event: {Truncate(json)}"));
        }

        _collector.Ack(input);
    }

    /// <inheritdoc/>
    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(EventFields);

    /// <summary>Reads the seven string fields of one event; false when <paramref name="json"/> is no object holding them all.</summary>
    internal static bool TryParse(string? json, out Values values)
    {
        values = null!;
        if (json is null)
        {
            return false;
        }

        var fields = new object?[Names.Length];
        var rented = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(json.Length));
        try
        {
            var length = Encoding.UTF8.GetBytes(json, rented);
            var reader = new Utf8JsonReader(rented.AsSpan(0, length));
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var index = -1;
                for (var i = 0; i < Names.Length; i++)
                {
                    if (reader.ValueTextEquals(Names[i]))
                    {
                        index = i;
                        break;
                    }
                }

                if (!reader.Read())
                {
                    return false;
                }

                if (index >= 0 && reader.TokenType == JsonTokenType.String)
                {
                    fields[index] = reader.GetString();
                }
                else
                {
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        foreach (var f in fields)
        {
            if (f is null)
            {
                return false;
            }
        }

        values = new Values(fields);
        return true;
    }

    private static string Truncate(string? s) => s is null ? "(null)" : s.Length <= 80 ? s : s[..80] + "...";
}
