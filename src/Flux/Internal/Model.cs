using YamlDotNet.RepresentationModel;

namespace StormSharp.Flux.Internal;

/// <summary>Where a definition was written: for error messages.</summary>
internal readonly record struct Origin(string File, int Line);

/// <summary>A whole Flux file (with its includes merged in), still untyped: values stay YAML nodes until bound.</summary>
internal sealed class TopologyDef
{
    public string? Name { get; set; }

    public Origin NameOrigin { get; set; }

    public Origin FileOrigin { get; init; }

    /// <summary>Config keys in file order, each with its value node and where it came from.</summary>
    public List<(string Key, YamlNode Value, Origin Origin)> Config { get; } = [];

    public List<BeanDef> Components { get; } = [];

    public List<VertexDef> Spouts { get; } = [];

    public List<VertexDef> Bolts { get; } = [];

    public List<StreamDef> Streams { get; } = [];
}

/// <summary>An object to build: its type, constructor arguments, properties and config methods (Storm's <c>BeanDef</c>).</summary>
internal class BeanDef
{
    public required string Id { get; init; }

    public required string ClassName { get; init; }

    public required Origin Origin { get; init; }

    public Origin ClassOrigin { get; init; }

    public YamlSequenceNode? ConstructorArgs { get; init; }

    public List<PropertyDef> Properties { get; } = [];

    public List<ConfigMethodDef> ConfigMethods { get; } = [];
}

/// <summary>A spout or a bolt: a bean with a parallelism.</summary>
internal sealed class VertexDef : BeanDef
{
    public int Parallelism { get; init; } = 1;

    public int? NumTasks { get; init; }
}

/// <summary>A property to set: <c>value</c>, <c>ref</c> or <c>reflist</c>, as a node the binder reads.</summary>
internal sealed record PropertyDef(string Name, YamlNode Value, Origin Origin);

/// <summary>A method to call after construction, with its arguments.</summary>
internal sealed record ConfigMethodDef(string Name, YamlSequenceNode? Args, Origin Origin);

/// <summary>An edge of the graph: from a component to a bolt, with its grouping.</summary>
internal sealed record StreamDef(string? Name, string From, Origin FromOrigin, string To, Origin ToOrigin, GroupingDef Grouping, Origin Origin);

/// <summary>A stream's grouping: its type, fields, the stream it subscribes to, or a custom grouping's class.</summary>
internal sealed record GroupingDef(string Type, Origin TypeOrigin, List<string>? Fields, Origin FieldsOrigin, string StreamId, Origin StreamOrigin, BeanDef? CustomClass, Origin Origin);
