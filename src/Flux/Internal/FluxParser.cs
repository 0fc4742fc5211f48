using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace StormSharp.Flux.Internal;

/// <summary>
/// Reads a Flux file into a <see cref="TopologyDef"/>: property substitution on the text (Storm's <c>--filter</c> and
/// <c>--env-filter</c>), then the YAML with its marks, so every mistake names its line; includes merged as Storm's
/// FluxParser merges them (a definition in an include replaces one of the same id only with <c>override: true</c>).
/// </summary>
internal static partial class FluxParser
{
    private const int MaxIncludeDepth = 8;

    private static readonly string[] TopKeys = ["name", "config", "components", "spouts", "bolts", "streams", "includes"];
    private static readonly string[] BeanKeys = ["id", "className", "constructorArgs", "properties", "configMethods"];
    private static readonly string[] VertexKeys = [.. BeanKeys, "parallelism", "numTasks"];
    private static readonly string[] CustomKeys = ["className", "constructorArgs", "properties", "configMethods"];
    private static readonly string[] StreamKeys = ["name", "from", "to", "grouping"];
    private static readonly string[] GroupingKeys = ["type", "fields", "streamId", "stream", "customClass"];
    private static readonly string[] IncludeKeys = ["resource", "file", "override"];
    private static readonly string[] PropertyKeys = ["name", "value", "ref", "reflist"];
    private static readonly string[] MethodKeys = ["name", "args"];

    public static TopologyDef Parse(string path, FluxOptions options) => Parse(path, options, 0);

    private static TopologyDef Parse(string path, FluxOptions options, int depth)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FluxException(path, 0, $"cannot read the Flux file: {e.Message}", e);
        }

        return ParseText(path, Substitute(path, text, options), options, depth);
    }

    internal static TopologyDef ParseText(string path, string text, FluxOptions options, int depth = 0)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new FluxException(path, (int)e.Start.Line, $"not valid YAML: {Innermost(e)}", e);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new FluxException(path, 1, "a Flux file is a YAML mapping with name, config, components, spouts, bolts and streams");
        }

        var file = new Reader(path);
        var def = new TopologyDef { FileOrigin = new Origin(path, 0) };
        file.CheckKeys(root, TopKeys, "a Flux file", extra: k => k == "topologySource"
            ? "topologySource (a class that builds the topology) is not supported: define the components, spouts, bolts and streams"
            : null);
        foreach (var (keyNode, value) in root.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value!;
            switch (key)
            {
                case "name":
                    def.Name = file.Scalar(value, "name");
                    def.NameOrigin = file.At(value);
                    break;
                case "config":
                    foreach (var (k, v) in file.Mapping(value, "config").Children)
                    {
                        def.Config.Add((file.Scalar(k, "a config key"), v, file.At(k)));
                    }

                    break;
                case "components":
                    foreach (var item in file.Sequence(value, "components"))
                    {
                        def.Components.Add(file.Bean(item, "component", BeanKeys, needsId: true));
                    }

                    break;
                case "spouts":
                case "bolts":
                    foreach (var item in file.Sequence(value, key))
                    {
                        (key == "spouts" ? def.Spouts : def.Bolts).Add(file.Vertex(item, key == "spouts" ? "spout" : "bolt"));
                    }

                    break;
                case "streams":
                    foreach (var item in file.Sequence(value, "streams"))
                    {
                        def.Streams.Add(file.Stream(item));
                    }

                    break;
            }
        }

        if (root.Children.TryGetValue(new YamlScalarNode("includes"), out var includes))
        {
            foreach (var item in file.Sequence(includes, "includes"))
            {
                Include(def, file, item, options, depth);
            }
        }

        return def;
    }

    private static void Include(TopologyDef def, Reader file, YamlNode item, FluxOptions options, int depth)
    {
        var map = file.Mapping(item, "an include");
        file.CheckKeys(map, IncludeKeys, "an include");
        var name = file.Scalar(file.Required(map, "file", "an include"), "an include's file");
        var resource = map.Children.TryGetValue(new YamlScalarNode("resource"), out var r) && file.Bool(r, "resource");
        var replace = map.Children.TryGetValue(new YamlScalarNode("override"), out var o) && file.Bool(o, "override");
        if (depth >= MaxIncludeDepth)
        {
            throw file.Fail(item, $"includes nest more than {MaxIncludeDepth} deep (does '{name}' include itself?)");
        }

        var baseDir = resource
            ? options.ResourcesDirectory ?? throw file.Fail(item, $"'{name}' is a resource include, but there is no package resources/ folder")
            : Path.GetDirectoryName(Path.GetFullPath(file.Path))!;
        var path = Path.Combine(baseDir, name);
        if (!File.Exists(path))
        {
            throw file.Fail(item, $"the included file '{name}' does not exist (looked for {path})");
        }

        var included = Parse(path, options, depth + 1);
        if (included.Name is not null && (def.Name is null || replace))
        {
            def.Name = included.Name;
            def.NameOrigin = included.NameOrigin;
        }

        foreach (var entry in included.Config)
        {
            var at = def.Config.FindIndex(c => c.Key == entry.Key);
            if (at < 0)
            {
                def.Config.Add(entry);
            }
            else if (replace)
            {
                def.Config[at] = entry;
            }
        }

        Merge(def.Components, included.Components, replace);
        Merge(def.Spouts, included.Spouts, replace);
        Merge(def.Bolts, included.Bolts, replace);
        def.Streams.AddRange(included.Streams);
    }

    private static void Merge<T>(List<T> into, List<T> from, bool replace)
        where T : BeanDef
    {
        foreach (var d in from)
        {
            var at = into.FindIndex(x => x.Id == d.Id);
            if (at < 0)
            {
                into.Add(d);
            }
            else if (replace)
            {
                into[at] = d;
            }
        }
    }

    /// <summary>
    /// Storm's substitution: <c>${name}</c> from the properties, <c>${ENV-NAME}</c> from the environment. A placeholder
    /// the properties or environment asked for but lacks is an error naming its line.
    /// </summary>
    internal static string Substitute(string path, string text, FluxOptions options)
    {
        if (options.Properties is null && !options.EnvironmentFilter)
        {
            return text;
        }

        var result = new StringBuilder(text.Length);
        var last = 0;
        foreach (Match m in Placeholder().Matches(text))
        {
            var name = m.Groups[1].Value;
            string? value;
            if (name.StartsWith("ENV-", StringComparison.Ordinal))
            {
                if (!options.EnvironmentFilter)
                {
                    continue;
                }

                value = Environment.GetEnvironmentVariable(name[4..])
                    ?? throw new FluxException(path, LineOf(text, m.Index), $"${{{name}}}: the environment has no variable {name[4..]} (--env-filter)");
            }
            else
            {
                if (options.Properties is null)
                {
                    continue;
                }

                if (!options.Properties.TryGetValue(name, out value))
                {
                    throw new FluxException(path, LineOf(text, m.Index), $"${{{name}}}: the filter file has no property '{name}'");
                }
            }

            result.Append(text, last, m.Index - last).Append(value);
            last = m.Index + m.Length;
        }

        return result.Append(text, last, text.Length - last).ToString();
    }

    private static int LineOf(string text, int index)
    {
        var line = 1;
        for (var i = 0; i < index; i++)
        {
            if (text[i] == '\n')
            {
                line++;
            }
        }

        return line;
    }

    private static string Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e.Message;
    }

    [GeneratedRegex(@"\$\{([^}\s]+)\}")]
    private static partial Regex Placeholder();

    /// <summary>Reads the nodes of one file, failing with its name and the node's line.</summary>
    private sealed class Reader(string path)
    {
        public string Path { get; } = path;

        public Origin At(YamlNode node) => new(Path, (int)node.Start.Line);

        public FluxException Fail(YamlNode node, string reason) => new(Path, (int)node.Start.Line, reason);

        public void CheckKeys(YamlMappingNode map, string[] known, string what, Func<string, string?>? extra = null)
        {
            foreach (var key in map.Children.Keys)
            {
                var name = key is YamlScalarNode s ? s.Value : null;
                if (name is null)
                {
                    throw Fail(key, $"{what} has a key that is not a plain name");
                }

                if (Array.IndexOf(known, name) < 0)
                {
                    throw Fail(key, extra?.Invoke(name) ?? $"{what} has an unknown key '{name}' (known: {string.Join(", ", known)})");
                }
            }
        }

        public YamlMappingNode Mapping(YamlNode node, string what) =>
            node as YamlMappingNode ?? throw Fail(node, $"{what} must be a mapping (key: value lines)");

        public YamlSequenceNode Sequence(YamlNode node, string what) =>
            node as YamlSequenceNode ?? throw Fail(node, $"{what} must be a list ('- ' items)");

        public string Scalar(YamlNode node, string what) =>
            node is YamlScalarNode { Value: { } v } ? v : throw Fail(node, $"{what} must be a single value, not a {Kind(node)}");

        public YamlNode Required(YamlMappingNode map, string key, string what) =>
            map.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : throw Fail(map, $"{what} needs '{key}'");

        public bool Bool(YamlNode node, string what)
        {
            var v = Scalar(node, what);
            return bool.TryParse(v, out var b) ? b : throw Fail(node, $"{what} must be true or false, not '{v}'");
        }

        public int Int(YamlNode node, string what, int min)
        {
            var v = Scalar(node, what);
            if (!int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) || n < min)
            {
                throw Fail(node, $"{what} must be a whole number of at least {min}, not '{v}'");
            }

            return n;
        }

        public BeanDef Bean(YamlNode node, string what, string[] keys, bool needsId, string? id = null)
        {
            var map = Mapping(node, "a " + what);
            CheckKeys(map, keys, "a " + what);
            id ??= needsId ? Scalar(Required(map, "id", "a " + what), what + " id") : "";
            var className = Required(map, "className", $"{what} '{id}'");
            var bean = new BeanDef
            {
                Id = id,
                ClassName = Scalar(className, "className"),
                Origin = At(node),
                ClassOrigin = At(className),
                ConstructorArgs = map.Children.TryGetValue(new YamlScalarNode("constructorArgs"), out var args) ? Sequence(args, "constructorArgs") : null,
            };
            ReadMembers(map, bean, $"{what} '{id}'");
            return bean;
        }

        public VertexDef Vertex(YamlNode node, string what)
        {
            var map = Mapping(node, "a " + what);
            CheckKeys(map, VertexKeys, "a " + what);
            var id = Scalar(Required(map, "id", "a " + what), what + " id");
            var className = Required(map, "className", $"{what} '{id}'");
            var vertex = new VertexDef
            {
                Id = id,
                ClassName = Scalar(className, "className"),
                Origin = At(node),
                ClassOrigin = At(className),
                ConstructorArgs = map.Children.TryGetValue(new YamlScalarNode("constructorArgs"), out var args) ? Sequence(args, "constructorArgs") : null,
                Parallelism = map.Children.TryGetValue(new YamlScalarNode("parallelism"), out var p) ? Int(p, "parallelism", 1) : 1,
                NumTasks = map.Children.TryGetValue(new YamlScalarNode("numTasks"), out var t) ? Int(t, "numTasks", 1) : null,
            };
            ReadMembers(map, vertex, $"{what} '{id}'");
            return vertex;
        }

        private void ReadMembers(YamlMappingNode map, BeanDef bean, string what)
        {
            if (map.Children.TryGetValue(new YamlScalarNode("properties"), out var props))
            {
                foreach (var item in Sequence(props, "properties of " + what))
                {
                    var p = Mapping(item, "a property of " + what);
                    CheckKeys(p, PropertyKeys, "a property of " + what);
                    var name = Scalar(Required(p, "name", "a property of " + what), "a property's name");
                    var given = p.Children.Keys.Count(k => k is YamlScalarNode { Value: "value" or "ref" or "reflist" });
                    if (given != 1)
                    {
                        throw Fail(item, $"property '{name}' of {what} needs exactly one of value, ref or reflist");
                    }

                    bean.Properties.Add(new PropertyDef(name, p, At(item)));
                }
            }

            if (map.Children.TryGetValue(new YamlScalarNode("configMethods"), out var methods))
            {
                foreach (var item in Sequence(methods, "configMethods of " + what))
                {
                    var m = Mapping(item, "a config method of " + what);
                    CheckKeys(m, MethodKeys, "a config method of " + what);
                    var name = Scalar(Required(m, "name", "a config method of " + what), "a config method's name");
                    var args = m.Children.TryGetValue(new YamlScalarNode("args"), out var a) ? Sequence(a, $"args of {name}") : null;
                    bean.ConfigMethods.Add(new ConfigMethodDef(name, args, At(item)));
                }
            }
        }

        public StreamDef Stream(YamlNode node)
        {
            var map = Mapping(node, "a stream");
            CheckKeys(map, StreamKeys, "a stream");
            var name = map.Children.TryGetValue(new YamlScalarNode("name"), out var n) ? Scalar(n, "a stream's name") : null;
            var from = Required(map, "from", "a stream");
            var to = Required(map, "to", "a stream");
            var what = $"the stream {Scalar(from, "from")} --> {Scalar(to, "to")}";
            var g = Mapping(Required(map, "grouping", what), "the grouping of " + what);
            CheckKeys(g, GroupingKeys, "a grouping");
            var type = Required(g, "type", "the grouping of " + what);
            List<string>? fields = null;
            var fieldsOrigin = At(g);
            if (g.Children.TryGetValue(new YamlScalarNode("fields"), out var f))
            {
                fields = [.. Sequence(f, "a grouping's fields").Select(x => Scalar(x, "a field name"))];
                fieldsOrigin = At(f);
            }

            var streamId = Topology.Utils.DefaultStreamId;
            var streamOrigin = At(g);
            foreach (var key in new[] { "streamId", "stream" })
            {
                if (g.Children.TryGetValue(new YamlScalarNode(key), out var s))
                {
                    streamId = Scalar(s, "a grouping's " + key);
                    streamOrigin = At(s);
                }
            }

            var custom = g.Children.TryGetValue(new YamlScalarNode("customClass"), out var c)
                ? Bean(c, "custom grouping", CustomKeys, needsId: false, id: "customClass")
                : null;
            return new StreamDef(
                name,
                Scalar(from, "from"),
                At(from),
                Scalar(to, "to"),
                At(to),
                new GroupingDef(Scalar(type, "a grouping's type"), At(type), fields, fieldsOrigin, streamId, streamOrigin, custom, At(g)),
                At(node));
        }

        private static string Kind(YamlNode node) => node switch
        {
            YamlMappingNode => "mapping",
            YamlSequenceNode => "list",
            _ => "value",
        };
    }
}
