using System.Reflection;
using StormSharp.Runtime.Loading;

namespace StormSharp.Cli.Tests;

public sealed class TopologyLoadContextTests
{
    [Fact]
    public void IsShared_TopologyApi_IsTakenFromTheDefaultContext()
    {
        Assert.True(TopologyLoadContext.IsShared(new AssemblyName("StormSharp.Topology.Api")));
    }

    [Fact]
    public void IsShared_FrameworkAssemblyAlreadyLoaded_IsTakenFromTheDefaultContext()
    {
        Assert.True(TopologyLoadContext.IsShared(typeof(object).Assembly.GetName()));
    }

    [Fact]
    public void IsShared_AssemblyNotLoadedHere_IsLoadedFromTheTopologyFolder()
    {
        Assert.False(TopologyLoadContext.IsShared(new AssemblyName("Some.Topology.Dependency")));
    }
}
