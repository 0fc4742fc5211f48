namespace StormSharp.Topology;

/// <summary>
/// A <see cref="ShellBolt"/> whose command and output fields are given to its constructor, so that a Flux file can
/// declare a multilang bolt without a class of its own (Storm's <c>FluxShellBolt</c>): its constructorArgs are the
/// command list and the field list of its default stream.
/// </summary>
public sealed class FluxShellBolt : ShellBolt
{
    private readonly string[] _outputFields;

    /// <summary>Runs <paramref name="command"/> per task; emits <paramref name="outputFields"/> on the default stream.</summary>
    public FluxShellBolt(string[] command, string[] outputFields)
        : base(command)
    {
        ArgumentNullException.ThrowIfNull(outputFields);
        _outputFields = [.. outputFields];
    }

    /// <inheritdoc/>
    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields(_outputFields));
}

/// <summary>A <see cref="ShellSpout"/> whose command and output fields are given to its constructor (Storm's <c>FluxShellSpout</c>).</summary>
public sealed class FluxShellSpout : ShellSpout
{
    private readonly string[] _outputFields;

    /// <summary>Runs <paramref name="command"/> per task; emits <paramref name="outputFields"/> on the default stream.</summary>
    public FluxShellSpout(string[] command, string[] outputFields)
        : base(command)
    {
        ArgumentNullException.ThrowIfNull(outputFields);
        _outputFields = [.. outputFields];
    }

    /// <inheritdoc/>
    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields(_outputFields));
}
