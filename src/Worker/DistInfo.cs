using System.Text.Json;

namespace StormSharp.Worker;

/// <summary>What a supervisor records next to an unpacked package (<see cref="WorkerLayout.DistInfoFileName"/>) for the topology's workers.</summary>
/// <param name="EntryAssembly">The package's entry assembly file name, at the package root.</param>
/// <param name="PackageSha256">The package's SHA-256, lower-case hex, as Nimbus announced and the download matched.</param>
internal sealed record DistInfo(string EntryAssembly, string PackageSha256)
{
    public void Write(string topologyDirectory) =>
        WorkerLayout.WriteAtomically(Path.Combine(topologyDirectory, WorkerLayout.DistInfoFileName), JsonSerializer.SerializeToUtf8Bytes(this));

    /// <summary>The record of a complete unpack, or null when the folder holds none (absent, or interrupted before the end).</summary>
    public static DistInfo? TryRead(string topologyDirectory)
    {
        var path = Path.Combine(topologyDirectory, WorkerLayout.DistInfoFileName);
        try
        {
            return JsonSerializer.Deserialize<DistInfo>(File.ReadAllBytes(path));
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
