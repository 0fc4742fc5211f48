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
}
