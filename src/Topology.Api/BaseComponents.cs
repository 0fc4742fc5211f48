namespace StormSharp.Topology;

/// <summary>A component with no configuration of its own.</summary>
public abstract class BaseComponent : IComponent
{
    /// <inheritdoc/>
    public abstract void DeclareOutputFields(IOutputFieldsDeclarer declarer);

    /// <inheritdoc/>
    public virtual IDictionary<string, object?>? GetComponentConfiguration() => null;
}

/// <summary>A spout with empty Close, Activate, Deactivate, Ack and Fail.</summary>
public abstract class BaseRichSpout : BaseComponent, IRichSpout
{
    /// <inheritdoc/>
    public abstract void Open(IReadOnlyDictionary<string, object?> conf, TopologyContext context, ISpoutOutputCollector collector);

    /// <inheritdoc/>
    public abstract void NextTuple();

    /// <inheritdoc/>
    public virtual void Close()
    {
    }

    /// <inheritdoc/>
    public virtual void Activate()
    {
    }

    /// <inheritdoc/>
    public virtual void Deactivate()
    {
    }

    /// <inheritdoc/>
    public virtual void Ack(object msgId)
    {
    }

    /// <inheritdoc/>
    public virtual void Fail(object msgId)
    {
    }
}

/// <summary>A rich bolt with an empty Cleanup.</summary>
public abstract class BaseRichBolt : BaseComponent, IRichBolt
{
    /// <inheritdoc/>
    public abstract void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context, IOutputCollector collector);

    /// <inheritdoc/>
    public abstract void Execute(ITuple input);

    /// <inheritdoc/>
    public virtual void Cleanup()
    {
    }
}

/// <summary>A basic bolt with empty Prepare and Cleanup.</summary>
public abstract class BaseBasicBolt : BaseComponent, IBasicBolt
{
    /// <inheritdoc/>
    public virtual void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context)
    {
    }

    /// <inheritdoc/>
    public abstract void Execute(ITuple input, IBasicOutputCollector collector);

    /// <inheritdoc/>
    public virtual void Cleanup()
    {
    }
}
