using StackExchange.Redis;
using StormSharp.Benchmarks.Ysb.Infrastructure;

namespace StormSharp.Benchmarks.Ysb.Tests;

/// <summary>A redis-server on a free loopback port for a test class, and a connection to it; both stopped at the end.</summary>
public sealed class RedisFixture : IDisposable
{
    public RedisFixture()
    {
        Server = RedisProcess.Start();
        try
        {
            Connection = ConnectionMultiplexer.Connect(Server.Address + ",allowAdmin=true");
        }
        catch
        {
            Server.Dispose();
            throw;
        }
    }

    public RedisProcess Server { get; }

    public ConnectionMultiplexer Connection { get; }

    public IDatabase Db => Connection.GetDatabase();

    public IServer Admin => Connection.GetServer(Connection.GetEndPoints()[0]);

    public void Dispose()
    {
        Connection.Dispose();
        Server.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class RedisCollection : ICollectionFixture<RedisFixture>
{
    public const string Name = "redis";
}
