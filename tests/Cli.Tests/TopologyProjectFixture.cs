namespace StormSharp.Cli.Tests;

/// <summary>
/// A topology project written to a temporary folder, referencing the repository's Topology API by absolute path,
/// with two programs: <c>MarkerTopology</c> (a spout and a bolt that writes a line to the file given as its
/// first argument) and <c>InvalidTopology</c> (a bolt subscribed to a component that does not exist).
/// </summary>
public sealed class TopologyProjectFixture : IDisposable
{
    public TopologyProjectFixture()
    {
        Root = Directory.CreateTempSubdirectory("stormsharp-cli-tests-").FullName;
        ProjectDir = System.IO.Path.Combine(Root, "MarkerTopologies");
        Directory.CreateDirectory(ProjectDir);
        var api = System.IO.Path.Combine(RepoRoot.Path, "src", "Topology.Api", "StormSharp.Topology.Api.csproj");
        File.WriteAllText(System.IO.Path.Combine(ProjectDir, "MarkerTopologies.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <ProjectReference Include="{api}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(System.IO.Path.Combine(ProjectDir, "Topologies.cs"), """
            using StormSharp.Topology;

            namespace Marker;

            public sealed class NumberSpout : BaseRichSpout
            {
                [NonSerialized] private ISpoutOutputCollector? _collector;
                [NonSerialized] private long _next;

                public override void Open(IReadOnlyDictionary<string, object?> conf, TopologyContext context, ISpoutOutputCollector collector) => _collector = collector;

                public override void NextTuple()
                {
                    Thread.Sleep(10);
                    _collector!.Emit(new Values(_next), _next);
                    _next++;
                }

                public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("n"));
            }

            public sealed class MarkerBolt : BaseBasicBolt
            {
                private readonly string _markerPath;
                [NonSerialized] private bool _written;

                public MarkerBolt(string markerPath) => _markerPath = markerPath;

                public override void Execute(ITuple input, IBasicOutputCollector collector)
                {
                    if (!_written)
                    {
                        File.AppendAllText(_markerPath, "bolt executed n=" + input.GetLong(0) + Environment.NewLine);
                        _written = true;
                    }
                }

                public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
                {
                }
            }

            public static class MarkerTopology
            {
                public static void Main(string[] args)
                {
                    var builder = new TopologyBuilder();
                    builder.SetSpout("numbers", new NumberSpout());
                    builder.SetBolt("marker", new MarkerBolt(args[0])).ShuffleGrouping("numbers");
                    StormSubmitter.SubmitTopology("marker-topology", new Config(), builder.CreateTopology());
                }
            }

            public sealed class BrokenPrepareBolt : BaseBasicBolt
            {
                public override void Prepare(IReadOnlyDictionary<string, object?> conf, TopologyContext context) =>
                    throw new InvalidOperationException("no connection to the store");

                public override void Execute(ITuple input, IBasicOutputCollector collector)
                {
                }

                public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
                {
                }
            }

            public sealed class Opaque
            {
                public long N { get; set; }
            }

            public sealed class OpaqueBolt : BaseBasicBolt
            {
                public override void Execute(ITuple input, IBasicOutputCollector collector) =>
                    collector.Emit(new Values(new Opaque { N = input.GetLong(0) }));

                public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields("opaque"));
            }

            public static class BrokenPrepareTopology
            {
                public static void Main()
                {
                    var builder = new TopologyBuilder();
                    builder.SetSpout("numbers", new NumberSpout());
                    builder.SetBolt("broken", new BrokenPrepareBolt()).ShuffleGrouping("numbers");
                    StormSubmitter.SubmitTopology("broken-topology", new Config(), builder.CreateTopology());
                }
            }

            public static class OpaqueTopology
            {
                public static void Main()
                {
                    var builder = new TopologyBuilder();
                    builder.SetSpout("numbers", new NumberSpout());
                    builder.SetBolt("wrap", new OpaqueBolt()).ShuffleGrouping("numbers");
                    builder.SetBolt("sink", new MarkerBolt("unused")).ShuffleGrouping("wrap");
                    StormSubmitter.SubmitTopology("opaque-topology", new Config(), builder.CreateTopology());
                }
            }

            public static class InvalidTopology
            {
                public static void Main(string[] args)
                {
                    var builder = new TopologyBuilder();
                    builder.SetSpout("numbers", new NumberSpout());
                    builder.SetBolt("marker", new MarkerBolt("unused")).ShuffleGrouping("no-such-spout");
                    StormSubmitter.SubmitTopology("invalid-topology", new Config(), builder.CreateTopology());
                }
            }
            """);
    }

    /// <summary>The temporary folder holding everything the tests write.</summary>
    public string Root { get; }

    /// <summary>The project's folder (what <c>storm local</c> is given).</summary>
    public string ProjectDir { get; }

    /// <summary>Builds the project in Release, as <c>storm local</c> would, and returns its assembly's path.</summary>
    public async Task<string> BuildAsync()
    {
        var info = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            WorkingDirectory = ProjectDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "build", "-c", "Release", "-nologo", "-v", "q", "-nodeReuse:false", "-o", System.IO.Path.Combine(Root, "built") })
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        using var process = System.Diagnostics.Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("dotnet build of the test topology project did not finish within 4 minutes");
        }

        var output = await stdout.WaitAsync(TimeSpan.FromSeconds(10)) + await stderr.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(process.ExitCode == 0, "dotnet build of the test topology project failed:\n" + output);
        return System.IO.Path.Combine(Root, "built", "MarkerTopologies.dll");
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
