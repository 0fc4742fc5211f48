using System.Diagnostics;
using System.Text;
using StormSharp.ZooKeeper.Tests.Infrastructure;

namespace StormSharp.ZooKeeper.Tests;

/// <summary>Apache's own command-line client, from the same package, and this client see the same data.</summary>
[Collection(StandaloneCollection.Name)]
public sealed class InteropTests(StandaloneServerFixture server) : RootedClientTest(server, "interop")
{
    private const string ZkCli = "/usr/share/zookeeper/bin/zkCli.sh";

    private async Task<string> RunZkCliAsync(params string[] command)
    {
        Assert.True(File.Exists(ZkCli), ZooKeeperServer.InstallHint);
        var psi = new ProcessStartInfo(ZkCli)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-server");
        psi.ArgumentList.Add(Server.ConnectionString);
        foreach (var c in command)
        {
            psi.ArgumentList.Add(c);
        }

        // Keep the CLI's log out of the system log directory.
        psi.Environment["ZOO_LOG_DIR"] = Path.GetTempPath();
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().Within($"zkCli {string.Join(' ', command)}", TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var output = await stdout + await stderr;
        Assert.True(process.ExitCode == 0, $"zkCli exited with {process.ExitCode}: {output}");
        return await stdout;
    }

    [Fact]
    public async Task ZkCli_ReadsDataWrittenByThisClient()
    {
        await Zk.CreateAsync(Root + "/ours", Encoding.UTF8.GetBytes("written-by-dotnet"), Acls.OpenUnsafe).Within("create");
        await Zk.SetDataAsync(Root + "/ours", Encoding.UTF8.GetBytes("updated-by-dotnet"), 0).Within("setData");
        var output = await RunZkCliAsync("get", "-s", Root + "/ours");
        Assert.Contains("updated-by-dotnet", output, StringComparison.Ordinal);
        Assert.Contains("dataVersion = 1", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ThisClient_ReadsNodesWrittenByZkCli()
    {
        await RunZkCliAsync("create", Root + "/theirs", "written-by-java");
        var node = await Zk.GetDataAsync(Root + "/theirs").Within("getData");
        Assert.Equal("written-by-java", Encoding.UTF8.GetString(node.Data));

        var output = await RunZkCliAsync("ls", Root);
        Assert.Contains("theirs", output, StringComparison.Ordinal);
    }
}
