using System.Globalization;
using StormSharp.Topology;

namespace StormSharp.Runtime.Configuration;

/// <summary>Typed reads of configuration values; a value of the wrong kind is an error that names the key.</summary>
internal static class ConfigValues
{
    public static int? GetNullableInt(IReadOnlyDictionary<string, object?> conf, string key)
    {
        if (!conf.TryGetValue(key, out var v) || v is null)
        {
            return null;
        }

        return v switch
        {
            int i => i,
            long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
            short s => s,
            byte b => b,
            double d when d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue => (int)d,
            string s when int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) => p,
            _ => throw new ArgumentException($"configuration '{key}' must be a whole number, not '{v}' ({v.GetType().Name})"),
        };
    }

    public static int GetInt(IReadOnlyDictionary<string, object?> conf, string key, int fallback) => GetNullableInt(conf, key) ?? fallback;

    public static bool GetBool(IReadOnlyDictionary<string, object?> conf, string key, bool fallback)
    {
        if (!conf.TryGetValue(key, out var v) || v is null)
        {
            return fallback;
        }

        return v switch
        {
            bool b => b,
            string s when bool.TryParse(s, out var p) => p,
            _ => throw new ArgumentException($"configuration '{key}' must be true or false, not '{v}'"),
        };
    }

    public static double GetDouble(IReadOnlyDictionary<string, object?> conf, string key, double fallback)
    {
        if (!conf.TryGetValue(key, out var v) || v is null)
        {
            return fallback;
        }

        return v switch
        {
            double d => d,
            float f => f,
            int i => i,
            long l => l,
            decimal m => (double)m,
            string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var p) => p,
            _ => throw new ArgumentException($"configuration '{key}' must be a number, not '{v}' ({v.GetType().Name})"),
        };
    }

    /// <summary><c>topology.stats.sample.rate</c> as "time one tuple in N": a rate in (0, 1], else an error naming it.</summary>
    public static int TimeOneIn(IReadOnlyDictionary<string, object?> conf)
    {
        var rate = GetDouble(conf, Config.TopologyStatsSampleRate, 0.05);
        if (!(rate > 0 && rate <= 1))
        {
            throw new ArgumentException($"configuration '{Config.TopologyStatsSampleRate}' must be more than 0 and at most 1, not {rate}");
        }

        return (int)Math.Max(1, Math.Round(1 / rate));
    }

    public static int RequirePositive(IReadOnlyDictionary<string, object?> conf, string key, int fallback)
    {
        var v = GetInt(conf, key, fallback);
        if (v <= 0)
        {
            throw new ArgumentException($"configuration '{key}' must be at least 1, not {v}");
        }

        return v;
    }
}
