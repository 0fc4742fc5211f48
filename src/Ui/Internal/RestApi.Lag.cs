using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using StormSharp.Connectors.Kafka;

namespace StormSharp.Ui.Internal;

internal sealed partial class RestApi
{
    private static readonly TimeSpan KafkaTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Storm's <c>/api/v1/topology/:id/lag</c>: for every Kafka spout of the topology (a spout whose component
    /// configuration names Kafka topics, a group and brokers), its lag read from Kafka now:
    /// <c>{"spout": {"spoutId", "spoutType": "KAFKA", "spoutLagResult": {topic: {partition: {"consumerCommittedOffset",
    /// "logHeadOffset", "lag"}}}}}</c>, or <c>"errorInfo"</c> instead of the result when Kafka cannot be read.
    /// Other spouts are left out, as Storm leaves them.
    /// </summary>
    private async Task<JsonObject> LagAsync(string id, CancellationToken ct)
    {
        var info = await nimbus.TopologyAsync(id, ct).ConfigureAwait(false);
        var document = await nimbus.DocumentAsync(info.Summary.Id, ct).ConfigureAwait(false);
        var spouts = new List<(string Id, Dictionary<string, object?> Conf)>();
        using (var doc = JsonDocument.Parse(document.Document.Memory))
        {
            foreach (var c in doc.RootElement.GetProperty("components").EnumerateArray())
            {
                if (c.GetProperty("spout").GetBoolean() && c.TryGetProperty("config", out var conf) && conf.ValueKind == JsonValueKind.Object)
                {
                    var values = new Dictionary<string, object?>(StringComparer.Ordinal);
                    foreach (var p in conf.EnumerateObject())
                    {
                        values[p.Name] = p.Value.ValueKind switch
                        {
                            JsonValueKind.String => p.Value.GetString(),
                            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => p.Value.GetRawText(),
                            _ => null,
                        };
                    }

                    if (KafkaOffsetLag.IsKafkaSpout(values))
                    {
                        spouts.Add((c.GetProperty("id").GetString()!, values));
                    }
                }
            }
        }

        var result = new JsonObject();
        foreach (var (spoutId, conf) in spouts)
        {
            var entry = new JsonObject { ["spoutId"] = spoutId, ["spoutType"] = "KAFKA" };
            try
            {
                var byTopic = new JsonObject();
                foreach (var p in await KafkaOffsetLag.ReadAsync(conf, KafkaTimeout, ct).ConfigureAwait(false))
                {
                    if (byTopic[p.Topic] is not JsonObject partitions)
                    {
                        byTopic[p.Topic] = partitions = new JsonObject();
                    }

                    partitions[p.Partition.ToString(CultureInfo.InvariantCulture)] = new JsonObject
                    {
                        ["consumerCommittedOffset"] = p.ConsumerCommittedOffset,
                        ["logHeadOffset"] = p.LogHeadOffset,
                        ["lag"] = p.Lag,
                    };
                }

                entry["spoutLagResult"] = byTopic;
            }
            catch (Exception e) when (e is KafkaException or ArgumentException)
            {
                entry["errorInfo"] = $"reading the lag of spout '{spoutId}' from Kafka failed: {e.Message}";
            }

            result[spoutId] = entry;
        }

        return result;
    }
}
