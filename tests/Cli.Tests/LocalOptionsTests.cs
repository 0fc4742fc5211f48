using StormSharp.Cli;
using StormSharp.Cli.Local;

namespace StormSharp.Cli.Tests;

public sealed class LocalOptionsTests
{
    [Fact]
    public void Parse_TargetOnly_UsesStormDefaultTtl()
    {
        var options = LocalOptions.Parse(["examples/WordCount"]);

        Assert.Equal("examples/WordCount", options.Target);
        Assert.Empty(options.Arguments);
        Assert.Equal(TimeSpan.FromSeconds(20), options.Ttl);
    }

    [Fact]
    public void Parse_TypeArgsAndTrailingTtl_SeparatesTtlFromMainArguments()
    {
        var options = LocalOptions.Parse(["app.dll", "My.Topology", "a", "b", "--local-ttl", "15"]);

        Assert.Equal("app.dll", options.Target);
        Assert.Equal(["My.Topology", "a", "b"], options.Arguments);
        Assert.Equal(TimeSpan.FromSeconds(15), options.Ttl);
    }

    [Fact]
    public void Parse_DoubleDashBeforeFirstArgument_KeepsItFromNamingAType()
    {
        var options = LocalOptions.Parse(["app.dll", "--", "WordCount", "--local-ttl", "3"]);

        Assert.Equal(["WordCount", "--local-ttl", "3"], options.Arguments);
        Assert.False(options.FirstMayNameType);
        Assert.True(LocalOptions.Parse(["app.dll", "My.Topology", "--", "x"]).FirstMayNameType);
    }

    [Fact]
    public void Parse_UiWithAndWithoutPort_TakesTheNumberAfterItAsThePort()
    {
        Assert.Null(LocalOptions.Parse(["proj"]).UiPort);
        Assert.Equal(LocalOptions.UiPortFromConfig, LocalOptions.Parse(["proj", "--ui"]).UiPort);
        var withPort = LocalOptions.Parse(["proj", "My.Topology", "--ui", "9090", "x"]);
        Assert.Equal(9090, withPort.UiPort);
        Assert.Equal(["My.Topology", "x"], withPort.Arguments);
        Assert.Equal(8081, LocalOptions.Parse(["--ui=8081", "proj"]).UiPort);
        Assert.Equal(LocalOptions.UiPortFromConfig, LocalOptions.Parse(["proj", "--ui", "--local-ttl", "5"]).UiPort);
    }

    [Theory]
    [InlineData("--ui=70000")]
    [InlineData("--ui=eighty")]
    public void Parse_UiWithBadPort_NamesTheOption(string arg)
    {
        var e = Assert.Throws<CliException>(() => LocalOptions.Parse(["proj", arg]));
        Assert.Contains("--ui", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TtlBeforeTargetWithEqualsSign_IsAccepted()
    {
        var options = LocalOptions.Parse(["--local-ttl=7", "proj"]);

        Assert.Equal("proj", options.Target);
        Assert.Equal(TimeSpan.FromSeconds(7), options.Ttl);
    }

    [Fact]
    public void Parse_ArgumentsAfterDoubleDash_GoToMainUnchanged()
    {
        var options = LocalOptions.Parse(["proj", "--", "--local-ttl", "3", "--verbose"]);

        Assert.Equal(["--local-ttl", "3", "--verbose"], options.Arguments);
        Assert.Equal(LocalOptions.DefaultTtl, options.Ttl);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("ten")]
    [InlineData("1.5")]
    public void Parse_BadTtl_IsUsageErrorNamingTheValue(string value)
    {
        var e = Assert.Throws<CliException>(() => LocalOptions.Parse(["proj", "--local-ttl", value]));

        Assert.Equal(ExitCodes.Usage, e.ExitCode);
        Assert.Contains("--local-ttl", e.Message, StringComparison.Ordinal);
        Assert.Contains("'" + value + "'", e.Message, StringComparison.Ordinal);
        Assert.Equal(LocalOptions.UsageLine, e.UsageLine);
    }

    [Fact]
    public void Parse_TtlWithoutValue_IsUsageError()
    {
        var e = Assert.Throws<CliException>(() => LocalOptions.Parse(["proj", "--local-ttl"]));

        Assert.Equal(ExitCodes.Usage, e.ExitCode);
        Assert.Contains("needs a number of seconds", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TtlTwice_IsUsageError()
    {
        var e = Assert.Throws<CliException>(() => LocalOptions.Parse(["proj", "--local-ttl", "5", "--local-ttl=6"]));

        Assert.Contains("twice", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NoTarget_IsUsageErrorSayingWhatIsMissing()
    {
        var e = Assert.Throws<CliException>(() => LocalOptions.Parse(["--local-ttl", "5"]));

        Assert.Equal(ExitCodes.Usage, e.ExitCode);
        Assert.Contains("missing the topology project", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownOptionBeforeTarget_IsUsageErrorNamingIt()
    {
        var e = Assert.Throws<CliException>(() => LocalOptions.Parse(["--fast", "proj"]));

        Assert.Contains("'--fast'", e.Message, StringComparison.Ordinal);
    }
}
