using System.Text.Json;

namespace StormSharp.Topology.Internal.Multilang;

/// <summary>One message a multilang subprocess sent, parsed on the reader thread (Storm's <c>ShellMsg</c>).</summary>
internal sealed class ShellMessage
{
    /// <summary>What the message is: a command, the handshake's pid reply, or the end of the conversation.</summary>
    public ShellMessageKind Kind { get; private init; }

    /// <summary>The command (<c>emit</c>, <c>ack</c>, <c>fail</c>, <c>log</c>, <c>error</c>, <c>metrics</c>, <c>sync</c>, ...).</summary>
    public string Command { get; private init; } = "";

    /// <summary>The tuple id (bolt ack/fail/anchor) or the spout's message id of an emit.</summary>
    public object? Id { get; private init; }

    /// <summary>The stream of an emit; <c>default</c> when absent.</summary>
    public string Stream { get; private init; } = Utils.DefaultStreamId;

    /// <summary>The direct task of an emit; 0 when absent.</summary>
    public long Task { get; private init; }

    /// <summary>Whether the subprocess waits for the task ids of its emit (Storm: true unless it says false).</summary>
    public bool NeedTaskIds { get; private init; } = true;

    /// <summary>The values of an emit.</summary>
    public List<object?>? Tuple { get; private init; }

    /// <summary>The ids of the tuples an emit is anchored to.</summary>
    public List<string>? Anchors { get; private init; }

    /// <summary>The text of a log or error message, or what went wrong for <see cref="ShellMessageKind.Broken"/>.</summary>
    public string? Msg { get; private init; }

    /// <summary>A log message's level: 0 trace, 1 debug, 2 info (default), 3 warn, 4 error.</summary>
    public int Level { get; private init; } = 2;

    /// <summary>A metrics message's name.</summary>
    public string? Name { get; private init; }

    /// <summary>A metrics message's parameters.</summary>
    public object? Params { get; private init; }

    /// <summary>The pid of a handshake reply.</summary>
    public long Pid { get; private init; }

    public static ShellMessage Broken(string why) => new() { Kind = ShellMessageKind.Broken, Msg = why };

    /// <summary>Parses one message's JSON text; a message that breaks the protocol becomes <see cref="ShellMessageKind.Broken"/>.</summary>
    public static ShellMessage Parse(string text)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = false, MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            return Broken($"the subprocess wrote something that is not JSON ({e.Message}): {Clip(text)}");
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return Broken($"the subprocess wrote a JSON {root.ValueKind} where a message object was expected: {Clip(text)}");
            }

            if (!root.TryGetProperty("command", out var command))
            {
                if (root.TryGetProperty("pid", out var pid) && pid.TryGetInt64(out var p))
                {
                    return new ShellMessage { Kind = ShellMessageKind.Pid, Pid = p };
                }

                return Broken($"a message from the subprocess has no command: {Clip(text)}");
            }

            if (command.ValueKind != JsonValueKind.String)
            {
                return Broken($"a message's command is not a string: {Clip(text)}");
            }

            try
            {
                return new ShellMessage
                {
                    Kind = ShellMessageKind.Command,
                    Command = command.GetString()!,
                    Id = root.TryGetProperty("id", out var id) ? MultilangJson.ToValue(id) : null,
                    Stream = root.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString()! : Utils.DefaultStreamId,
                    Task = root.TryGetProperty("task", out var t) && t.ValueKind == JsonValueKind.Number ? t.GetInt64() : 0,
                    NeedTaskIds = !root.TryGetProperty("need_task_ids", out var n) || n.ValueKind != JsonValueKind.False,
                    Tuple = root.TryGetProperty("tuple", out var tuple) && tuple.ValueKind == JsonValueKind.Array ? MultilangJson.ToList(tuple) : null,
                    Anchors = ReadAnchors(root),
                    Msg = root.TryGetProperty("msg", out var m) ? (m.ValueKind == JsonValueKind.String ? m.GetString() : m.GetRawText()) : null,
                    Level = root.TryGetProperty("level", out var l) && l.TryGetInt32(out var level) ? level : 2,
                    Name = root.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String ? name.GetString() : null,
                    Params = root.TryGetProperty("params", out var ps) ? MultilangJson.ToValue(ps) : null,
                };
            }
            catch (Exception e) when (e is FormatException or InvalidOperationException or JsonException)
            {
                return Broken($"a message from the subprocess has a field of the wrong type ({e.Message}): {Clip(text)}");
            }
        }
    }

    private static List<string>? ReadAnchors(JsonElement root)
    {
        if (!root.TryGetProperty("anchors", out var a))
        {
            return null;
        }

        // Storm takes a single anchor id as well as a list of them.
        if (a.ValueKind == JsonValueKind.String)
        {
            return [a.GetString()!];
        }

        if (a.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var list = new List<string>(a.GetArrayLength());
        foreach (var item in a.EnumerateArray())
        {
            list.Add(item.ValueKind == JsonValueKind.String ? item.GetString()! : item.GetRawText());
        }

        return list;
    }

    internal static string Clip(string text) => text.Length <= 200 ? text : text[..200] + "...";
}

/// <summary>What a <see cref="ShellMessage"/> is.</summary>
internal enum ShellMessageKind
{
    /// <summary>A command (emit, ack, sync, ...).</summary>
    Command,

    /// <summary>The handshake's reply, <c>{"pid": N}</c>.</summary>
    Pid,

    /// <summary>The subprocess broke the protocol or ended: nothing more will come.</summary>
    Broken,
}
