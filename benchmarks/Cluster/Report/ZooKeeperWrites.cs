namespace StormSharp.Benchmarks.Cluster.Report;

/// <summary>ZooKeeper's write counters over one steady-state window of the cluster.</summary>
/// <param name="Transactions">Transactions committed (advance of the zxid counter).</param>
/// <param name="Updates">Advance of <c>zk_cnt_updatelatency</c> (requests answered after the write pipeline).</param>
/// <param name="Seconds">The window, seconds.</param>
/// <param name="Workers">Workers running during it.</param>
internal sealed record ZooKeeperWrites(long Transactions, long Updates, double Seconds, int Workers)
{
    /// <summary>Every transaction of the window (Nimbus's, the supervisor's and the workers'), per worker per minute.</summary>
    public double PerWorkerPerMinute => Transactions / (Seconds / 60) / Workers;
}
