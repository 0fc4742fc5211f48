using StormSharp.Cli;

namespace StormSharp.Cli.Tests;

public sealed class StormCommandTests
{
    [Fact]
    public async Task RunAsync_Version_PrintsVersionAndExitsZero()
    {
        var (code, stdout, _) = await RunAsync("version");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.StartsWith("StormSharp ", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_Version_IsTheOneDirectoryBuildPropsSetsForEveryPackage()
    {
        var props = System.Xml.Linq.XDocument.Load(Path.Combine(RepoRoot.Path, "Directory.Build.props"));
        var prefix = props.Descendants("VersionPrefix").Single().Value;

        var (_, stdout, _) = await RunAsync("version");

        Assert.Equal("StormSharp " + prefix, stdout.Trim());
    }

    [Fact]
    public async Task RunAsync_Help_ListsLocalAndExitsZero()
    {
        var (code, stdout, _) = await RunAsync("help");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("local <project dir", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_UnknownVerb_NamesItShowsUsageAndExitsTwo()
    {
        var (code, stdout, stderr) = await RunAsync("submitt", "x");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Empty(stdout);
        Assert.StartsWith("storm: unknown command 'submitt'", stderr, StringComparison.Ordinal);
        Assert.Contains("usage: storm", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("help", "local")]
    [InlineData("local", "--help")]
    [InlineData("local", "-h")]
    public async Task RunAsync_HelpForLocal_PrintsItsUsageAndExitsZero(string first, string second)
    {
        var (code, stdout, _) = await RunAsync(first, second);

        Assert.Equal(ExitCodes.Ok, code);
        Assert.StartsWith("usage: storm local <project dir", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("rebalance", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_VerbHelpAfterItsArguments_PrintsItsUsageWithTheConfigOptions()
    {
        var (code, stdout, _) = await RunAsync("kill", "word-count", "--help");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.StartsWith("usage: storm kill NAME [-w SECS]", stdout, StringComparison.Ordinal);
        Assert.Contains("-c key=value", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_HelpFlagAfterDoubleDash_BelongsToTheProgram()
    {
        var missing = Path.Combine(Path.GetTempPath(), "stormsharp-no-such-" + Guid.NewGuid().ToString("N"));

        var (code, stdout, stderr) = await RunAsync("local", missing, "--", "--help");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Empty(stdout);
        Assert.Contains(missing + ": no such file or directory", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_Help_NamesStormVerbsThatAreNotAvailable()
    {
        var (_, stdout, _) = await RunAsync("help");

        Assert.Contains("Apache Storm commands not available in StormSharp yet:", stdout, StringComparison.Ordinal);
        Assert.Contains("logviewer", stdout, StringComparison.Ordinal);
        Assert.Contains("drpc-client", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("drpc")]
    [InlineData("help", "drpc")]
    public async Task RunAsync_StormVerbNotBuilt_SaysSoInsteadOfUnknownAndExitsTwo(params string[] args)
    {
        var (code, stdout, stderr) = await RunAsync(args);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Empty(stdout);
        Assert.Contains("'drpc' is an Apache Storm command that is not available in StormSharp yet", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_HelpForUnknownVerb_NamesItAndExitsTwo()
    {
        var (code, _, stderr) = await RunAsync("help", "submitt");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.StartsWith("storm: unknown command 'submitt'", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_NoVerb_ExitsTwo()
    {
        var (code, _, stderr) = await RunAsync();

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("missing command", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_UiWithBadPort_NamesTheKeyAndExitsTwo()
    {
        var (code, _, stderr) = await RunAsync("ui", "-c", "ui.port=not-a-port");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("ui.port", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nimbus")]
    [InlineData("supervisor")]
    [InlineData("dev-zookeeper")]
    [InlineData("ui")]
    [InlineData("logviewer")]
    public async Task RunAsync_DaemonWithStrayArgument_NamesItAndExitsTwo(string verb)
    {
        var (code, stdout, stderr) = await RunAsync(verb, "word-count");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Empty(stdout);
        Assert.Contains("unexpected argument 'word-count'", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nimbus", "nimbus.thrift.port=abc", "nimbus.thrift.port")]
    [InlineData("supervisor", "supervisor.slots.ports=[70000]", "supervisor.slots.ports")]
    public async Task RunAsync_DaemonWithBadConfiguration_NamesTheKeyAndExitsTwo(string verb, string setting, string key)
    {
        var (code, _, stderr) = await RunAsync(verb, "-c", setting);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("bad configuration", stderr, StringComparison.Ordinal);
        Assert.Contains(key, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_LocalWithMissingPath_NamesThePathAndExitsTwo()
    {
        var missing = Path.Combine(Path.GetTempPath(), "stormsharp-no-such-" + Guid.NewGuid().ToString("N"));

        var (code, _, stderr) = await RunAsync("local", missing, "--local-ttl", "1");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(missing + ": no such file or directory", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_LocalWithDirectoryWithoutProject_ExitsTwo()
    {
        var dir = Directory.CreateTempSubdirectory("stormsharp-empty-");
        try
        {
            var (code, _, stderr) = await RunAsync("local", dir.FullName);

            Assert.Equal(ExitCodes.Usage, code);
            Assert.Contains("contains no .csproj", stderr, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task RunAsync_LocalWithFileThatIsNotAnAssembly_ExitsTwo()
    {
        var dir = Directory.CreateTempSubdirectory("stormsharp-notdll-");
        try
        {
            var fake = Path.Combine(dir.FullName, "Fake.dll");
            await File.WriteAllTextAsync(fake, "not a PE file");

            var (code, _, stderr) = await RunAsync("local", fake, "--local-ttl", "1");

            Assert.Equal(ExitCodes.Usage, code);
            Assert.Contains("is not a .NET assembly", stderr, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var code = await StormCommand.RunAsync(args, stdout, stderr, timeout.Token).WaitAsync(timeout.Token);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
