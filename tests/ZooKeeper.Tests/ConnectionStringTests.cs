using StormSharp.ZooKeeper.Internal;

namespace StormSharp.ZooKeeper.Tests;

public sealed class ConnectionStringTests
{
    [Fact]
    public void Parse_SeveralServersAndChroot_SplitsThem()
    {
        var cs = ConnectionString.Parse("a:1,b:2, c /storm/x/");
        Assert.Equal(["a:1", "b:2", "c:2181"], cs.Servers.Select(s => $"{s.Host}:{s.Port}").ToArray());
        Assert.Equal("/storm/x", cs.Chroot);
    }

    [Fact]
    public void Parse_Ipv6AndNoChroot_DefaultsPort()
    {
        var cs = ConnectionString.Parse("[::1]:2182,[fe80::1]");
        Assert.Equal(["::1:2182", "fe80::1:2181"], cs.Servers.Select(s => $"{s.Host}:{s.Port}").ToArray());
        Assert.Equal(string.Empty, cs.Chroot);
    }

    [Theory]
    [InlineData("")]
    [InlineData("host:notaport")]
    [InlineData("host:70000")]
    [InlineData("/only-chroot")]
    public void Parse_Invalid_ThrowsArgumentException(string text)
    {
        Assert.ThrowsAny<ArgumentException>(() => ConnectionString.Parse(text));
    }
}
