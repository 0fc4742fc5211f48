namespace StormSharp.Topology.Internal.Multilang;

/// <summary>
/// What the engine's executors give a component whose input also comes from outside its executor (a multilang
/// subprocess): a way to be woken, and the worker's log. Ordinary components do not implement it and cost nothing.
/// </summary>
internal interface IShellComponent
{
    /// <summary>Called once, before Prepare or Open, on the executor thread.</summary>
    /// <param name="wake">Safe from any thread: makes the executor run <see cref="Pump"/> soon.</param>
    /// <param name="log">Writes to the worker's log at Storm's multilang level (0 trace .. 4 error).</param>
    void Attach(Action wake, Action<int, string> log);

    /// <summary>On the executor thread, each cycle and at housekeeping: handles what the subprocess sent; returns whether anything was.</summary>
    bool Pump();
}
