using System.Globalization;
using System.Text.Json;

namespace StormSharp.Examples.OrderAnalytics;

/// <summary>One order as the generator writes it to Kafka (JSON) and the topology reads it.</summary>
public sealed record Order(string OrderId, DateTimeOffset Time, string Category, long AmountCents, string Customer)
{
    public static readonly string[] Categories = ["books", "electronics", "garden", "grocery", "toys"];

    /// <summary>The minute the order falls in, as Unix milliseconds.</summary>
    public long Minute => Time.ToUnixTimeMilliseconds() / 60_000 * 60_000;

    public string ToJson() => JsonSerializer.Serialize(new
    {
        orderId = OrderId,
        time = Time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
        category = Category,
        amount = AmountCents / 100m,
        customer = Customer,
    });

    /// <summary>Parses an order; false with the reason when the text is not a valid order.</summary>
    public static bool TryParse(string? json, out Order? order, out string error)
    {
        order = null;
        if (string.IsNullOrWhiteSpace(json))
        {
            error = "empty record";
            return false;
        }

        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = "not a JSON object";
                return false;
            }

            string? Text(string name) => root.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
            var id = Text("orderId");
            var category = Text("category");
            var customer = Text("customer");
            var time = Text("time");
            if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(category) || string.IsNullOrEmpty(customer) || time is null)
            {
                error = "orderId, time, category and customer are required";
                return false;
            }

            if (!DateTimeOffset.TryParse(time, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            {
                error = $"time '{time}' is not a date";
                return false;
            }

            if (!root.TryGetProperty("amount", out var a) || a.ValueKind != JsonValueKind.Number || !a.TryGetDecimal(out var amount)
                || amount < 0 || decimal.Round(amount, 2) != amount)
            {
                error = "amount must be a non-negative number with at most two decimals";
                return false;
            }

            order = new Order(id, at, category, (long)(amount * 100), customer);
            error = string.Empty;
            return true;
        }
        catch (JsonException e)
        {
            error = "not JSON: " + e.Message;
            return false;
        }
    }
}
