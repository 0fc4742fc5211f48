using StormSharp.Runtime.Acking;

namespace StormSharp.Runtime.Tests;

public sealed class LongMapTests
{
    [Fact]
    public void RandomAddsAndRemoves_AgreeWithDictionary()
    {
        // Clustered keys (small consecutive ids) as well as random ones, so that probe runs wrap and backward-shift
        // deletion has to move entries across the end of the array.
        var rng = new Random(7);
        var map = new LongMap<long>();
        var reference = new Dictionary<long, long>();
        for (var step = 0; step < 200_000; step++)
        {
            var key = rng.Next(3) == 0 ? rng.NextInt64(1, 64) : rng.NextInt64(long.MinValue, long.MaxValue) | 1;
            switch (rng.Next(4))
            {
                case 0:
                case 1:
                    map.GetValueRefOrAddDefault(key, out var existed) ^= step;
                    Assert.Equal(reference.ContainsKey(key), existed);
                    reference[key] = reference.GetValueOrDefault(key) ^ step;
                    break;
                case 2:
                    Assert.Equal(reference.Remove(key, out var expected), map.Remove(key, out var removed));
                    Assert.Equal(expected, removed);
                    break;
                default:
                    Assert.Equal(reference.TryGetValue(key, out var v), map.TryGetValue(key, out var got));
                    Assert.Equal(v, got);
                    break;
            }

            Assert.Equal(reference.Count, map.Count);
        }

        foreach (var (key, value) in reference)
        {
            Assert.True(map.TryGetValue(key, out var got), $"key {key} reachable");
            Assert.Equal(value, got);
        }
    }

    [Fact]
    public void GrowThenDrain_TrimShrinksAndKeepsTheRest()
    {
        var map = new LongMap<int>();
        for (var i = 1; i <= 10_000; i++)
        {
            map.Set(i * 7919L, i);
        }

        for (var i = 1; i <= 9_990; i++)
        {
            Assert.True(map.Remove(i * 7919L));
        }

        Assert.Equal(10, map.Count);
        var grown = map.Capacity;
        map.TrimExcess(); // the peak since the start was 10,000: keeps its arrays
        Assert.Equal(grown, map.Capacity);
        map.TrimExcess(); // the peak since the last call was 10: shrinks
        Assert.Equal(64, map.Capacity);
        var left = new List<long>();
        map.CollectKeys(0, static (_, _) => true, left);
        Assert.Equal(Enumerable.Range(9_991, 10).Select(i => i * 7919L).Order(), left.Order());
    }

    [Fact]
    public void ZeroKey_IsRefused()
    {
        var map = new LongMap<int>();
        Assert.Throws<ArgumentOutOfRangeException>(() => map.Set(0, 1));
        Assert.False(map.ContainsKey(0));
    }
}
