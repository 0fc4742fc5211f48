using System.Buffers;
using System.Text;
using System.Text.Json;
using StormSharp.Topology.Internal.Multilang;

namespace StormSharp.Multilang.Tests;

/// <summary>The JSON forms tuple values take to and from a subprocess, and the messages it may send.</summary>
public sealed class MultilangJsonTests
{
    [Fact]
    public void WriteValue_EverySupportedType_HasTheDocumentedJsonForm()
    {
        var guid = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
        var values = new List<object?>
        {
            null, "s", true, 1, 2L, (short)3, (byte)4, 1.5, 2.5f, 3.25m, 'c', guid,
            new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc), new byte[] { 1, 2, 3 },
            new List<object?> { 1, "a" }, new Dictionary<string, object?> { ["k"] = 1 }, double.NaN,
        };

        Assert.Equal(
            """[null,"s",true,1,2,3,4,1.5,2.5,3.25,"c","0f8fad5b-d9cb-469f-a165-70867728950e","2024-05-06T07:08:09.0000000Z","AQID",[1,"a"],{"k":1},NaN]""",
            Write(values));
    }

    [Fact]
    public void ToValue_WhatASubprocessSends_LongDoubleStringBoolListMap()
    {
        using var doc = JsonDocument.Parse("""[1, 5000000000, 1.5, "s", false, null, [1], {"a": 2}]""");

        var values = MultilangJson.ToList(doc.RootElement);

        Assert.Equal([typeof(long), typeof(long), typeof(double), typeof(string), typeof(bool)], values.Take(5).Select(v => v!.GetType()));
        Assert.Equal(new object?[] { 1L, 5_000_000_000L, 1.5, "s", false, null }, values.Take(6));
        Assert.Equal(new List<object?> { 1L }, Assert.IsType<List<object?>>(values[6]));
        Assert.Equal(2L, Assert.IsType<Dictionary<string, object?>>(values[7])["a"]);
    }

    [Fact]
    public void Parse_EmitWithOneAnchorAndNoTaskIds_ReadAsStormReadsIt()
    {
        var m = ShellMessage.Parse("""{"command": "emit", "anchors": "7", "tuple": ["w"], "need_task_ids": false, "task": 3, "stream": "s"}""");

        Assert.Equal((ShellMessageKind.Command, "emit", "s", 3L, false), (m.Kind, m.Command, m.Stream, m.Task, m.NeedTaskIds));
        Assert.Equal(["7"], m.Anchors!);
        Assert.Equal(["w"], m.Tuple!);
        Assert.True(ShellMessage.Parse("""{"command": "emit", "tuple": []}""").NeedTaskIds);
        Assert.Equal("default", ShellMessage.Parse("""{"command": "emit", "tuple": []}""").Stream);
    }

    [Theory]
    [InlineData("not json", "the subprocess wrote something that is not JSON")]
    [InlineData("[1, 2]", "the subprocess wrote a JSON Array where a message object was expected")]
    [InlineData("""{"id": 1}""", "a message from the subprocess has no command")]
    [InlineData("""{"command": 5}""", "a message's command is not a string")]
    public void Parse_ProtocolBroken_BrokenWithTheReason(string text, string reason)
    {
        var m = ShellMessage.Parse(text);

        Assert.Equal(ShellMessageKind.Broken, m.Kind);
        Assert.StartsWith(reason, m.Msg, StringComparison.Ordinal);
    }

    private static string Write(object? value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
        {
            MultilangJson.WriteValue(w, value);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
