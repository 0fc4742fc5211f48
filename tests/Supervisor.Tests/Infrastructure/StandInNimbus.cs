using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StormSharp.Packaging;

namespace StormSharp.Supervisor.Tests.Infrastructure;

/// <summary>A Kestrel server on a free loopback port hosting <see cref="StandInNimbusService"/>.</summary>
internal sealed class StandInNimbus : IAsyncDisposable
{
    private readonly WebApplication _app;

    private StandInNimbus(WebApplication app, StandInNimbusService service, int port)
    {
        _app = app;
        Service = service;
        Port = port;
    }

    public StandInNimbusService Service { get; }

    public int Port { get; }

    public static async Task<StandInNimbus> StartAsync(string blobDirectory)
    {
        var service = new StandInNimbusService(new LocalBlobStore(blobDirectory));
        var port = StormSharp.ZooKeeper.Tests.Infrastructure.Ports.Free();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(service);
        var app = builder.Build();
        app.MapGrpcService<StandInNimbusService>();
        await app.StartAsync();
        return new StandInNimbus(app, service, port);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
