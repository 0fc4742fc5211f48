using System.Reflection;
using StormSharp.Topology;
using YamlDotNet.RepresentationModel;

namespace StormSharp.Flux.Internal;

/// <summary>
/// Builds a <see cref="TopologyDef"/> into a topology (Storm's FluxBuilder): components first, in file order, so
/// later ones can <c>ref</c> earlier ones; then spouts and bolts; then the streams between them. Every mistake is
/// found here, before anything runs, and named with its file and line.
/// </summary>
internal sealed class FluxBuilder
{
    private readonly TopologyDef _def;
    private readonly Func<string, Type?> _resolve;
    private readonly Dictionary<string, object> _components = new(StringComparer.Ordinal);
    private readonly ValueBinder _binder;

    private FluxBuilder(TopologyDef def, Func<string, Type?> resolve)
    {
        _def = def;
        _resolve = resolve;
        _binder = new ValueBinder(_components);
    }

    public static FluxTopology Build(TopologyDef def, Func<string, Type?> resolve) => new FluxBuilder(def, resolve).Build();

    private FluxTopology Build()
    {
        if (string.IsNullOrWhiteSpace(_def.Name))
        {
            throw new FluxException(_def.FileOrigin.File, 0, "the topology needs a name (name: ...)");
        }

        var config = new Config();
        foreach (var (key, value, origin) in _def.Config)
        {
            config[key] = Guard(origin, () => _binder.Untyped(value));
        }

        foreach (var c in _def.Components)
        {
            if (_components.ContainsKey(c.Id))
            {
                throw Fail(c.Origin, $"component '{c.Id}' is defined twice");
            }

            _components[c.Id] = Create(c, typeof(object), "component");
        }

        var builder = new TopologyBuilder();
        var vertices = new Dictionary<string, (IComponent Component, bool IsSpout, Origin Origin)>(StringComparer.Ordinal);
        var bolts = new Dictionary<string, BoltDeclarer>(StringComparer.Ordinal);
        foreach (var s in _def.Spouts)
        {
            Unique(vertices, s);
            var spout = (ISpout)Create(s, typeof(ISpout), "spout");
            vertices[s.Id] = (spout, true, s.Origin);
            var declarer = builder.SetSpout(s.Id, spout, s.Parallelism);
            if (s.NumTasks is { } n)
            {
                declarer.SetNumTasks(n);
            }
        }

        foreach (var b in _def.Bolts)
        {
            Unique(vertices, b);
            var bolt = Create(b, typeof(object), "bolt");
            var declarer = bolt switch
            {
                IRichBolt rich => builder.SetBolt(b.Id, rich, b.Parallelism),
                IBasicBolt basic => builder.SetBolt(b.Id, basic, b.Parallelism),
                _ => throw Fail(b.ClassOrigin, $"bolt '{b.Id}': {bolt.GetType().FullName} is neither an IRichBolt nor an IBasicBolt"),
            };
            if (b.NumTasks is { } n)
            {
                declarer.SetNumTasks(n);
            }

            vertices[b.Id] = ((IComponent)bolt, false, b.Origin);
            bolts[b.Id] = declarer;
        }

        foreach (var stream in _def.Streams)
        {
            Connect(stream, vertices, bolts);
        }

        try
        {
            return new FluxTopology(_def.Name, config, builder.CreateTopology());
        }
        catch (InvalidTopologyException e)
        {
            throw new FluxException(_def.FileOrigin.File, 0, e.Message, e);
        }
    }

    private void Unique(Dictionary<string, (IComponent, bool, Origin)> vertices, VertexDef v)
    {
        if (vertices.ContainsKey(v.Id))
        {
            throw Fail(v.Origin, $"'{v.Id}' is defined twice among the spouts and bolts");
        }
    }

    private void Connect(StreamDef s, Dictionary<string, (IComponent Component, bool IsSpout, Origin Origin)> vertices, Dictionary<string, BoltDeclarer> bolts)
    {
        var what = $"stream {s.From} --> {s.To}";
        if (!vertices.TryGetValue(s.From, out var from))
        {
            throw Fail(s.FromOrigin, $"{what}: '{s.From}' is not a spout or bolt of this topology (known: {Known(vertices.Keys)})");
        }

        if (!bolts.TryGetValue(s.To, out var to))
        {
            throw Fail(s.ToOrigin, vertices.ContainsKey(s.To)
                ? $"{what}: '{s.To}' is a spout; streams go to bolts"
                : $"{what}: '{s.To}' is not a bolt of this topology (known: {Known(bolts.Keys)})");
        }

        var g = s.Grouping;
        var declared = new DeclaredStreams();
        Guard(s.Origin, () =>
        {
            from.Component.DeclareOutputFields(declared);
            return null;
        });
        if (!declared.Streams.TryGetValue(g.StreamId, out var stream))
        {
            throw Fail(g.StreamOrigin, $"{what}: '{s.From}' declares no stream '{g.StreamId}' (it declares: {Known(declared.Streams.Keys)})");
        }

        var type = g.Type.ToUpperInvariant();
        var takesFields = type is "FIELDS" or "PARTIAL_KEY";
        if (takesFields && (g.Fields is null || g.Fields.Count == 0))
        {
            throw Fail(g.TypeOrigin, $"{what}: a {type} grouping needs fields");
        }

        if (!takesFields && g.Fields is not null)
        {
            throw Fail(g.FieldsOrigin, $"{what}: fields apply to FIELDS and PARTIAL_KEY groupings, not {type}");
        }

        if (type != "CUSTOM" && g.CustomClass is not null)
        {
            throw Fail(g.CustomClass.Origin, $"{what}: customClass applies to CUSTOM groupings, not {type}");
        }

        foreach (var f in g.Fields ?? [])
        {
            if (!stream.Fields.Contains(f))
            {
                throw Fail(g.FieldsOrigin, $"{what}: stream '{g.StreamId}' of '{s.From}' has no field '{f}' (its fields: {string.Join(", ", stream.Fields)})");
            }
        }

        if (type == "DIRECT" && !stream.Direct)
        {
            throw Fail(g.TypeOrigin, $"{what}: a DIRECT grouping needs a direct stream, and '{s.From}' declares '{g.StreamId}' as not direct");
        }

        switch (type)
        {
            case "SHUFFLE":
                to.ShuffleGrouping(s.From, g.StreamId);
                break;
            case "LOCAL_OR_SHUFFLE":
                to.LocalOrShuffleGrouping(s.From, g.StreamId);
                break;
            case "FIELDS":
                to.FieldsGrouping(s.From, g.StreamId, new Fields([.. g.Fields!]));
                break;
            case "PARTIAL_KEY":
                to.PartialKeyGrouping(s.From, g.StreamId, new Fields([.. g.Fields!]));
                break;
            case "ALL":
                to.AllGrouping(s.From, g.StreamId);
                break;
            case "GLOBAL":
                to.GlobalGrouping(s.From, g.StreamId);
                break;
            case "NONE":
                to.NoneGrouping(s.From, g.StreamId);
                break;
            case "DIRECT":
                to.DirectGrouping(s.From, g.StreamId);
                break;
            case "CUSTOM":
                if (g.CustomClass is null)
                {
                    throw Fail(g.TypeOrigin, $"{what}: a CUSTOM grouping needs customClass (className, constructorArgs, ...)");
                }

                var custom = (ICustomStreamGrouping)Create(g.CustomClass, typeof(ICustomStreamGrouping), "custom grouping");
                to.CustomGrouping(s.From, g.StreamId, custom);
                break;
            default:
                throw Fail(g.TypeOrigin, $"{what}: unknown grouping type '{g.Type}' (known: SHUFFLE, FIELDS, ALL, GLOBAL, NONE, DIRECT, LOCAL_OR_SHUFFLE, PARTIAL_KEY, CUSTOM)");
        }
    }

    /// <summary>Builds one bean: its type, the constructor its arguments match, its properties, its config methods.</summary>
    private object Create(BeanDef bean, Type mustBe, string what)
    {
        var label = bean.Id.Length > 0 && what != "custom grouping" ? $"{what} '{bean.Id}'" : what;
        var type = _resolve(bean.ClassName)
            ?? throw Fail(bean.ClassOrigin, $"{label}: unknown class '{bean.ClassName}': no such type in the package (give its full name, Namespace.Type, or an assembly-qualified name)");
        if (type.IsAbstract || type.IsInterface || type.ContainsGenericParameters)
        {
            throw Fail(bean.ClassOrigin, $"{label}: {type.FullName} is {(type.IsInterface ? "an interface" : type.IsAbstract ? "abstract" : "an open generic type")} and cannot be created");
        }

        if (!mustBe.IsAssignableFrom(type))
        {
            throw Fail(bean.ClassOrigin, $"{label}: {type.FullName} is not an {mustBe.Name}");
        }

        var instance = Construct(bean, type, label);
        foreach (var p in bean.Properties)
        {
            SetProperty(instance, type, p, label);
        }

        foreach (var m in bean.ConfigMethods)
        {
            CallMethod(instance, type, m, label);
        }

        return instance;
    }

    private object Construct(BeanDef bean, Type type, string label)
    {
        var args = bean.ConstructorArgs?.Children ?? (IList<YamlNode>)[];
        var origin = bean.ConstructorArgs is { } a ? new Origin(bean.Origin.File, (int)a.Start.Line) : bean.ClassOrigin;
        var constructors = type.GetConstructors(BindingFlags.Public | BindingFlags.Instance);
        if (args.Count == 0 && type.IsValueType)
        {
            return Activator.CreateInstance(type)!;
        }

        var reasons = new List<string>();
        foreach (var ctor in Fitting(constructors, args.Count))
        {
            if (TryBindAll(ctor.GetParameters(), args, out var values, out var why))
            {
                return Guard(origin, () => ctor.Invoke(values), $"{label}: the constructor {Signature(type, ctor)} threw")!;
            }

            reasons.Add($"{Signature(type, ctor)}: {why}");
        }

        if (reasons.Count == 0)
        {
            var have = constructors.Length == 0 ? "none is public" : "it has " + string.Join(", ", constructors.Select(c => Signature(type, c)));
            throw Fail(origin, $"{label}: {type.Name} has no public constructor taking {args.Count} argument{(args.Count == 1 ? "" : "s")} ({have})");
        }

        throw Fail(origin, $"{label}: no constructor of {type.Name} matches the constructorArgs: {string.Join("; ", reasons)}");
    }

    private void SetProperty(object instance, Type type, PropertyDef p, string label)
    {
        var map = (YamlMappingNode)p.Value;
        YamlNode node = map.Children.TryGetValue(new YamlScalarNode("value"), out var v)
            ? v
            : new YamlMappingNode(map.Children.First(kv => kv.Key is YamlScalarNode { Value: "ref" or "reflist" }));
        const BindingFlags flags = BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase;
        if (type.GetProperty(p.Name, flags) is { CanWrite: true } prop && prop.SetMethod!.IsPublic)
        {
            var value = BindOne(node, prop.PropertyType, p.Origin, $"{label}: property {p.Name}");
            Guard(p.Origin, () =>
            {
                prop.SetValue(instance, value);
                return null;
            }, $"{label}: setting {p.Name} threw");
            return;
        }

        if (type.GetField(p.Name, flags) is { IsInitOnly: false, IsLiteral: false } field)
        {
            field.SetValue(instance, BindOne(node, field.FieldType, p.Origin, $"{label}: field {p.Name}"));
            return;
        }

        var setter = type.GetMethods(flags).FirstOrDefault(m => string.Equals(m.Name, "Set" + p.Name, StringComparison.OrdinalIgnoreCase) && m.GetParameters().Length == 1);
        if (setter is not null)
        {
            var value = BindOne(node, setter.GetParameters()[0].ParameterType, p.Origin, $"{label}: {setter.Name}");
            Guard(p.Origin, () => setter.Invoke(instance, [value]), $"{label}: {setter.Name} threw");
            return;
        }

        throw Fail(p.Origin, $"{label}: {type.Name} has no public settable property, field or Set{Capitalized(p.Name)} method named '{p.Name}'");
    }

    private void CallMethod(object instance, Type type, ConfigMethodDef m, string label)
    {
        var args = m.Args?.Children ?? (IList<YamlNode>)[];
        var candidates = type.GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .Where(x => string.Equals(x.Name, m.Name, StringComparison.OrdinalIgnoreCase) && !x.ContainsGenericParameters)
            .ToList();
        if (candidates.Count == 0)
        {
            throw Fail(m.Origin, $"{label}: {type.Name} has no public method '{m.Name}'");
        }

        var reasons = new List<string>();
        foreach (var method in Fitting(candidates, args.Count))
        {
            if (TryBindAll(method.GetParameters(), args, out var values, out var why))
            {
                Guard(m.Origin, () => method.Invoke(instance, values), $"{label}: {method.Name} threw");
                return;
            }

            reasons.Add($"{method.Name}({string.Join(", ", method.GetParameters().Select(x => ValueBinder.Name(x.ParameterType)))}): {why}");
        }

        throw Fail(m.Origin, reasons.Count == 0
            ? $"{label}: no method {type.Name}.{m.Name} takes {args.Count} argument{(args.Count == 1 ? "" : "s")}"
            : $"{label}: no method {type.Name}.{m.Name} matches the args: {string.Join("; ", reasons)}");
    }

    private bool TryBindAll(ParameterInfo[] parameters, IList<YamlNode> args, out object?[] values, out string why)
    {
        values = new object?[parameters.Length];
        for (var i = 0; i < parameters.Length; i++)
        {
            if (i >= args.Count)
            {
                // Fewer arguments than parameters: the rest are optional ones (Fitting chose so), at their defaults.
                values[i] = parameters[i].HasDefaultValue ? parameters[i].DefaultValue : null;
                continue;
            }

            if (!_binder.TryBind(args[i], parameters[i].ParameterType, out values[i], out var inner))
            {
                why = $"argument {i + 1} ({parameters[i].Name}, line {args[i].Start.Line}): {inner}";
                return false;
            }
        }

        why = "";
        return true;
    }

    /// <summary>The members that take <paramref name="count"/> arguments, optional ones left out; exact counts first.</summary>
    private static IEnumerable<T> Fitting<T>(IEnumerable<T> members, int count)
        where T : MethodBase =>
        members
            .Where(m => m.GetParameters() is var ps && ps.Length >= count && ps.Count(p => !p.IsOptional) <= count)
            .OrderBy(m => m.GetParameters().Length - count);

    private object? BindOne(YamlNode node, Type type, Origin origin, string what) =>
        _binder.TryBind(node, type, out var value, out var why) ? value : throw Fail(origin, $"{what}: {why}");

    private static object? Guard(Origin origin, Func<object?> action, string? what = null)
    {
        try
        {
            return action();
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw Fail(origin, $"{what ?? "building it threw"}: {e.InnerException.GetType().Name}: {e.InnerException.Message}", e.InnerException);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            throw Fail(origin, what is null ? e.Message : $"{what}: {e.Message}", e);
        }
    }

    private static string Signature(Type type, MethodBase m) =>
        $"{type.Name}({string.Join(", ", m.GetParameters().Select(p => ValueBinder.Name(p.ParameterType)))})";

    private static string Known(IEnumerable<string> ids)
    {
        var list = ids.Order(StringComparer.Ordinal).ToList();
        return list.Count == 0 ? "none" : string.Join(", ", list);
    }

    private static string Capitalized(string name) => name.Length == 0 ? name : char.ToUpperInvariant(name[0]) + name[1..];

    private static FluxException Fail(Origin origin, string reason, Exception? inner = null) => new(origin.File, origin.Line, reason, inner);

    /// <summary>The streams a component declares, as DeclareOutputFields tells them.</summary>
    private sealed class DeclaredStreams : IOutputFieldsDeclarer
    {
        public Dictionary<string, (Fields Fields, bool Direct)> Streams { get; } = new(StringComparer.Ordinal);

        public void Declare(Fields fields) => DeclareStream(Utils.DefaultStreamId, false, fields);

        public void Declare(bool direct, Fields fields) => DeclareStream(Utils.DefaultStreamId, direct, fields);

        public void DeclareStream(string streamId, Fields fields) => DeclareStream(streamId, false, fields);

        public void DeclareStream(string streamId, bool direct, Fields fields) => Streams[streamId] = (fields, direct);
    }
}
