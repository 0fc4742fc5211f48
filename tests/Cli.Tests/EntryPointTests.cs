using System.Reflection;
using StormSharp.Cli;
using StormSharp.Cli.Local;

namespace StormSharp.Cli.Tests;

public sealed class EntryPointTests
{
    private const string Assembly = "Topologies.dll";

    [Fact]
    public void Find_FullTypeNameGiven_UsesItsMainAndPassesTheRest()
    {
        var entry = EntryPoint.Find([typeof(WithArgs), typeof(WithoutArgs)], null, [DisplayName(typeof(WithArgs)), "a", "b"], Assembly);

        Assert.Same(typeof(WithArgs).GetMethod("Main"), entry.Method);
        Assert.Equal(["a", "b"], entry.Arguments);
    }

    [Fact]
    public void Find_SimpleTypeNameGiven_UsesThatType()
    {
        var entry = EntryPoint.Find([typeof(WithArgs), typeof(WithoutArgs)], null, [nameof(WithoutArgs)], Assembly);

        Assert.Same(typeof(WithoutArgs).GetMethod("Main"), entry.Method);
        Assert.Empty(entry.Arguments);
    }

    [Fact]
    public void Find_TypeWithBothMains_PrefersMainWithArguments()
    {
        var entry = EntryPoint.Find([typeof(BothMains)], null, [nameof(BothMains)], Assembly);

        Assert.Single(entry.Method.GetParameters());
    }

    [Fact]
    public void Find_NoTypeNamed_UsesAssemblyEntryPointWithAllArguments()
    {
        var entryPoint = typeof(WithoutArgs).GetMethod("Main")!;

        var entry = EntryPoint.Find([typeof(WithArgs), typeof(WithoutArgs)], entryPoint, ["input", "3"], Assembly);

        Assert.Same(entryPoint, entry.Method);
        Assert.Equal(["input", "3"], entry.Arguments);
    }

    [Fact]
    public void Find_NoEntryPointAndOnePublicMain_UsesIt()
    {
        var entry = EntryPoint.Find([typeof(WithArgs), typeof(NoMain), typeof(PrivateMain)], null, ["x"], Assembly);

        Assert.Same(typeof(WithArgs).GetMethod("Main"), entry.Method);
        Assert.Equal(["x"], entry.Arguments);
    }

    [Fact]
    public void Find_SeveralPublicMains_ErrorListsCandidates()
    {
        var e = Assert.Throws<CliException>(() => EntryPoint.Find([typeof(WithArgs), typeof(WithoutArgs)], null, [], Assembly));

        Assert.Equal(ExitCodes.Usage, e.ExitCode);
        Assert.Contains("2 public static Main", e.Message, StringComparison.Ordinal);
        Assert.Contains(DisplayName(typeof(WithArgs)), e.Message, StringComparison.Ordinal);
        Assert.Contains(DisplayName(typeof(WithoutArgs)), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Find_NoMainAnywhere_ErrorSaysSo()
    {
        var e = Assert.Throws<CliException>(() => EntryPoint.Find([typeof(NoMain), typeof(PrivateMain)], null, [], Assembly));

        Assert.Contains("has no entry point and no public static Main", e.Message, StringComparison.Ordinal);
        Assert.Contains(Assembly, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Find_UnknownQualifiedTypeName_ErrorNamesItAndListsCandidates()
    {
        var e = Assert.Throws<CliException>(() => EntryPoint.Find([typeof(WithArgs)], null, ["My.Missing.Topology"], Assembly));

        Assert.Equal(ExitCodes.Usage, e.ExitCode);
        Assert.Contains("no type 'My.Missing.Topology'", e.Message, StringComparison.Ordinal);
        Assert.Contains(DisplayName(typeof(WithArgs)), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Find_MistypedTypeNameWithoutNamespace_ErrorNamesTheClosestCandidateAndTheWayOut()
    {
        var e = Assert.Throws<CliException>(() => EntryPoint.Find([typeof(WithArgs), typeof(NoMain)], null, ["WithArgss", "x"], Assembly));

        Assert.Equal(ExitCodes.Usage, e.ExitCode);
        Assert.Contains("no type 'WithArgss'", e.Message, StringComparison.Ordinal);
        Assert.Contains($"did you mean {DisplayName(typeof(WithArgs))}?", e.Message, StringComparison.Ordinal);
        Assert.Contains("put it after --", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Find_TypeLikeArgumentAfterDoubleDash_IsPassedToMain()
    {
        var entry = EntryPoint.Find([typeof(WithArgs)], null, ["WithArgss", "x"], Assembly, firstMayNameType: false);

        Assert.Same(typeof(WithArgs).GetMethod("Main"), entry.Method);
        Assert.Equal(["WithArgss", "x"], entry.Arguments);
    }

    [Fact]
    public void Find_LowerCaseWordAsFirstArgument_IsPassedToMain()
    {
        var entry = EntryPoint.Find([typeof(WithArgs)], null, ["input"], Assembly);

        Assert.Equal(["input"], entry.Arguments);
    }

    [Fact]
    public void Find_FileNameAsFirstArgument_IsPassedToMainNotTakenForAType()
    {
        var entry = EntryPoint.Find([typeof(WithArgs)], null, ["input.txt"], Assembly);

        Assert.Equal(["input.txt"], entry.Arguments);
    }

    [Fact]
    public void Find_NamedTypeWithoutMain_ErrorNamesTheType()
    {
        var e = Assert.Throws<CliException>(() => EntryPoint.Find([typeof(NoMain), typeof(WithArgs)], null, [nameof(NoMain)], Assembly));

        Assert.Contains(DisplayName(typeof(NoMain)) + " has no static Main", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Find_NonPublicMainOfNamedType_IsAllowed()
    {
        var entry = EntryPoint.Find([typeof(PrivateMain)], null, [nameof(PrivateMain)], Assembly);

        Assert.Equal("Main", entry.Method.Name);
        Assert.False(entry.Method.IsPublic);
    }

    private static string DisplayName(Type t) => t.FullName!.Replace('+', '.');

    public static class WithArgs
    {
        public static void Main(string[] args) => _ = args;
    }

    public static class WithoutArgs
    {
        public static int Main() => 0;
    }

    public static class BothMains
    {
        public static void Main()
        {
        }

        public static void Main(string[] args) => _ = args;
    }

    public static class NoMain
    {
        public static void Run()
        {
        }
    }

    public static class PrivateMain
    {
        [System.Diagnostics.CodeAnalysis.SuppressMessage("CodeQuality", "IDE0051", Justification = "found by reflection")]
        private static void Main(string[] args) => _ = args;
    }
}
