using StormSharp.Topology;

namespace StormSharp.Runtime.Tests;

public sealed class ValuesTests
{
    [Fact]
    public void Constructor_ParamsArray_IsTheStorage()
    {
        var array = new object?[] { "a", 1 };
        var values = new Values(array);
        Assert.Equal(2, values.Count);
        array[0] = "changed";
        Assert.Equal("changed", values[0]);
    }

    [Fact]
    public void CollectionInitializerAndEdits_BehaveAsAList()
    {
        var values = new Values { "a", 2L, null };
        values.Insert(1, "x");
        Assert.Equal(new object?[] { "a", "x", 2L, null }, values);
        Assert.True(values.Remove("x"));
        values.RemoveAt(2);
        Assert.Equal(new object?[] { "a", 2L }, values);
        Assert.Equal(1, values.IndexOf(2L));
        Assert.Throws<ArgumentOutOfRangeException>(() => values[2]);
        Assert.Equal("[a, 2]", values.ToString());
        values.Clear();
        Assert.Empty(values);
    }

    [Fact]
    public void Constructor_SingleList_IsOneValue()
    {
        var inner = new List<object?> { 1, 2 };
        var values = new Values(inner);
        Assert.Single(values);
        Assert.Same(inner, values[0]);
    }

    [Fact]
    public void OneTwoOrThreeArguments_ReadAndEditLikeAList()
    {
        // One and two values are kept inline, three go to an array: the list behaves the same either way.
        foreach (var count in new[] { 0, 1, 2, 3 })
        {
            var expected = Enumerable.Range(0, count).Select(i => (object?)("v" + i)).ToList();
            var values = count switch
            {
                0 => new Values(),
                1 => new Values("v0"),
                2 => new Values("v0", "v1"),
                _ => new Values("v0", "v1", "v2"),
            };
            Assert.Equal(expected, values);
            Assert.Equal(count, values.Count);
            Assert.Throws<ArgumentOutOfRangeException>(() => values[count]);

            values.Add("end");
            expected.Add("end");
            values.Insert(0, "start");
            expected.Insert(0, "start");
            values[1] = "set";
            expected[1] = "set";
            Assert.Equal(expected, values);

            values.RemoveAt(values.Count - 1);
            expected.RemoveAt(expected.Count - 1);
            Assert.Equal(expected.IndexOf("set"), values.IndexOf("set"));
            var copy = new object?[values.Count + 1];
            values.CopyTo(copy, 1);
            Assert.Equal(expected, copy.Skip(1));
        }
    }

    [Fact]
    public void Append_PastTheInlineValues_KeepsOrder()
    {
        var values = new Values("a");
        for (var i = 0; i < 10; i++)
        {
            values.Add(i);
        }

        Assert.Equal(new object?[] { "a", 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, values);
        values.Clear();
        Assert.Empty(values);
        values.Add("again");
        Assert.Equal(new object?[] { "again" }, values);
    }

    [Fact]
    public void AnArrayAsSecondValue_StaysAValue()
    {
        // Spilled values live in an array too: an array passed as a value must not be taken for that storage.
        var array = new object?[] { "x", "y", "z" };
        var values = new Values("a", array);
        Assert.Equal(2, values.Count);
        Assert.Same(array, values[1]);
        Assert.Equal(new object?[] { "a", array }, values);
        values.Add("b");
        Assert.Equal(new object?[] { "a", array, "b" }, values);
    }

    [Fact]
    public void RemovingEveryValue_ThenAdding_StartsOver()
    {
        // Inline and spilled, and a caller's array as the storage: each empties to a list that takes values again.
        foreach (var values in new[] { new Values("a", "b"), new Values("a", "b", "c"), new Values(new object?[] { "a", "b" }) })
        {
            var count = values.Count;
            for (var i = 0; i < count; i++)
            {
                values.RemoveAt(0);
                Assert.Equal(count - i - 1, values.Count);
            }

            Assert.Empty(values);
            Assert.Throws<ArgumentOutOfRangeException>(() => values[0]);
            Assert.Throws<ArgumentOutOfRangeException>(() => values[-1] = "x");
            values.Add(null);
            values.Add("z");
            Assert.Equal(new object?[] { null, "z" }, values);
            Assert.Equal(0, values.IndexOf(null));
            values.Clear();
            values.Add("again");
            Assert.Equal("again", Assert.Single(values));
        }
    }

    [Fact]
    public void OneOrTwoValues_AreOneThirtyTwoByteObject()
    {
        // Allocated once per emit: the GC counts this thread's bytes exactly. The fewest of a few tries, since the
        // runtime may allocate on this thread for its own reasons (tiering up a method, say) in any one of them.
        object word = "w";
        var fewest = long.MaxValue;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var one = new Values(word);
            var two = new Values(word, word);
            var after = GC.GetAllocatedBytesForCurrentThread();
            GC.KeepAlive(one);
            GC.KeepAlive(two);
            fewest = Math.Min(fewest, after - before);
        }

        Assert.Equal(64, fewest);
    }
}
