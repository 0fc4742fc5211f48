using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace StormSharp.Examples.OrderAnalytics;

/// <summary>
/// The live dashboard: a page with three Highcharts charts (served from this app; nothing comes from the internet)
/// and <c>/api/stats</c>, read from Redis: orders per second (sampled here every second), revenue per category and
/// the last minutes' orders and revenue.
/// </summary>
public sealed class Dashboard : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly IDatabase _db;
    private readonly Queue<(long At, long Orders)> _samples = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampler;

    private Dashboard(WebApplication app, IDatabase db)
    {
        _app = app;
        _db = db;
        _sampler = SampleAsync(_stop.Token);
    }

    public string Url { get; private set; } = string.Empty;

    public static async Task<Dashboard> StartAsync(IConnectionMultiplexer redis, int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(System.Net.IPAddress.Loopback, port));
        var app = builder.Build();
        var root = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = new PhysicalFileProvider(root) });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = new PhysicalFileProvider(root) });
        var dashboard = new Dashboard(app, redis.GetDatabase());
        app.MapGet("/api/stats", dashboard.Stats);
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        dashboard.Url = address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal) + "/";
        return dashboard;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _sampler.ConfigureAwait(false);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task SampleAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                try
                {
                    var orders = (long?)await _db.StringGetAsync(RedisKeys.Orders).ConfigureAwait(false) ?? 0;
                    lock (_samples)
                    {
                        _samples.Enqueue((DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), orders));
                        while (_samples.Count > 121)
                        {
                            _samples.Dequeue();
                        }
                    }
                }
                catch (RedisException)
                {
                    // Redis away for a moment: the chart has a gap, the next second tries again.
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task<object> Stats()
    {
        var revenue = await _db.HashGetAllAsync(RedisKeys.CategoryRevenue).ConfigureAwait(false);
        var minuteOrders = await _db.HashGetAllAsync(RedisKeys.MinuteOrders).ConfigureAwait(false);
        var minuteRevenue = (await _db.HashGetAllAsync(RedisKeys.MinuteRevenue).ConfigureAwait(false)).ToDictionary(e => (string)e.Name!, e => (long)e.Value);
        List<object> perSecond = [];
        lock (_samples)
        {
            (long At, long Orders)? previous = null;
            foreach (var s in _samples)
            {
                if (previous is { } p)
                {
                    perSecond.Add(new[] { s.At, (s.Orders - p.Orders) * 1000 / Math.Max(1, s.At - p.At) });
                }

                previous = s;
            }
        }

        var minutes = minuteOrders
            .Select(e => (Minute: long.Parse((string)e.Name!, CultureInfo.InvariantCulture), Orders: (long)e.Value))
            .OrderBy(m => m.Minute)
            .TakeLast(10)
            .Select(m => new { minute = m.Minute, orders = m.Orders, revenue = minuteRevenue.GetValueOrDefault(m.Minute.ToString(CultureInfo.InvariantCulture)) / 100m })
            .ToList();
        return new
        {
            orders = (long?)await _db.StringGetAsync(RedisKeys.Orders).ConfigureAwait(false) ?? 0,
            revenue = ((long?)await _db.StringGetAsync(RedisKeys.Revenue).ConfigureAwait(false) ?? 0) / 100m,
            invalid = (long?)await _db.StringGetAsync(RedisKeys.Invalid).ConfigureAwait(false) ?? 0,
            ordersPerSecond = perSecond,
            categories = revenue.OrderBy(e => (string)e.Name!, StringComparer.Ordinal).Select(e => new { category = (string)e.Name!, revenue = (long)e.Value / 100m }),
            minutes,
        };
    }
}
