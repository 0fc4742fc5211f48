using System.Globalization;
using StormSharp.Cluster;
using StormSharp.Runtime.Execution;

namespace StormSharp.Worker.Hosting;

/// <summary>Reads an <see cref="Assignment"/> record as workers and supervisors need it.</summary>
internal static class SlotExecutors
{
    /// <summary>
    /// The executors the assignment puts on one slot, as one comparable text (<c>component:first-last</c>, sorted);
    /// empty when none. Two assignments with the same text for a slot need no worker restart there.
    /// </summary>
    public static string Fingerprint(Assignment assignment, string nodeId, int port)
    {
        var parts = new List<string>();
        foreach (var e in assignment.Executors)
        {
            if (e.NodeId == nodeId && e.Port == port)
            {
                parts.Add(string.Create(CultureInfo.InvariantCulture, $"{e.Component}:{e.FirstTask}-{e.LastTask}"));
            }
        }

        parts.Sort(StringComparer.Ordinal);
        return string.Join(',', parts);
    }

    /// <summary>
    /// The record as the engine's <see cref="TopologyAssignment"/>: each executor's first task to its worker's
    /// host (<see cref="Assignment.NodeHosts"/>) and port. Throws <see cref="InvalidDataException"/> naming an executor
    /// whose node has no host.
    /// </summary>
    public static TopologyAssignment ToTopologyAssignment(Assignment assignment)
    {
        var map = new Dictionary<int, WorkerEndpoint>();
        foreach (var e in assignment.Executors)
        {
            if (!assignment.NodeHosts.TryGetValue(e.NodeId, out var host) || host.Length == 0)
            {
                throw new InvalidDataException($"the assignment puts executor {e.Component} [{e.FirstTask}-{e.LastTask}] on node '{e.NodeId}', which has no host in node_hosts");
            }

            map[e.FirstTask] = new WorkerEndpoint(host, e.Port);
        }

        return new TopologyAssignment(map);
    }
}
