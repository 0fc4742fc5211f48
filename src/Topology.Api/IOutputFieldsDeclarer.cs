namespace StormSharp.Topology;

/// <summary>Where a component declares the streams it emits and their fields.</summary>
public interface IOutputFieldsDeclarer
{
    /// <summary>Declares the default stream.</summary>
    void Declare(Fields fields);

    /// <summary>Declares the default stream, direct when <paramref name="direct"/> is true.</summary>
    void Declare(bool direct, Fields fields);

    /// <summary>Declares a named stream.</summary>
    void DeclareStream(string streamId, Fields fields);

    /// <summary>Declares a named stream, direct when <paramref name="direct"/> is true (only EmitDirect may emit on it).</summary>
    void DeclareStream(string streamId, bool direct, Fields fields);
}
