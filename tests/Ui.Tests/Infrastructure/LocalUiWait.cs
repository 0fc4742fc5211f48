using System.Text.Json.Nodes;
using StormSharp.ZooKeeper.Tests.Infrastructure;

namespace StormSharp.Ui.Tests.Infrastructure;

/// <summary>Waiting for <c>storm local --ui</c> to serve a topology.</summary>
internal static class LocalUiWait
{
    /// <summary>
    /// The id of the first topology whose id starts with <paramref name="idPrefix"/> in the UI's topology summary, once
    /// the UI serves it (60 s at most); fails at once, with what storm local wrote, if <paramref name="run"/> ends first.
    /// </summary>
    public static async Task<string> TopologyAsync(HttpClient http, Task<int> run, StringWriter stderr, string idPrefix)
    {
        string? id = null;
        await Deadline.Until(
            async () =>
            {
                if (run.IsCompleted)
                {
                    throw new InvalidOperationException($"storm local ended early ({await run}): {stderr}");
                }

                try
                {
                    var topologies = JsonNode.Parse(await http.GetStringAsync("/api/v1/topology/summary"))!["topologies"]!.AsArray();
                    id = topologies.Select(t => t!["id"]!.GetValue<string>()).FirstOrDefault(t => t.StartsWith(idPrefix, StringComparison.Ordinal));
                    return id is not null;
                }
                catch (HttpRequestException)
                {
                    return false; // Not serving yet.
                }
            },
            $"storm local --ui to serve a topology {idPrefix}...",
            TimeSpan.FromSeconds(60));
        return id!;
    }
}

/// <summary>
/// Tests that run <c>storm local</c> in this process: it installs its cluster as the process's one
/// <c>StormSubmitter</c> while the topology's Main runs, so two at once would submit to each other's cluster.
/// </summary>
[CollectionDefinition(Name)]
public sealed class StormLocalCollection
{
    public const string Name = "storm local in this process";
}
