using System.Globalization;
using Microsoft.Playwright;

namespace StormSharp.Ui.Tests.Infrastructure;

/// <summary>
/// Debian's Chromium, headless, driven by Playwright (whose own browser download cannot be used here), with a fresh
/// profile folder of its own. Disposing closes it, then kills by pid any process still naming that folder on its
/// command line (the browser's helpers), and removes the folder.
/// </summary>
internal sealed class Browser : IAsyncDisposable
{
    public const string Chromium = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;
    private readonly string _profile;

    private Browser(IPlaywright playwright, IBrowserContext context, string profile)
    {
        _playwright = playwright;
        Context = context;
        _profile = profile;
    }

    public IBrowserContext Context { get; }

    public static async Task<Browser> LaunchAsync()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: deploy/install-deps chromium installs Debian's chromium");
        var profile = Path.Combine(Path.GetTempPath(), "stormsharp-chromium-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(profile);
        var playwright = await Playwright.CreateAsync();
        try
        {
            var context = await playwright.Chromium.LaunchPersistentContextAsync(profile, new BrowserTypeLaunchPersistentContextOptions
            {
                ExecutablePath = Chromium,
                Headless = true,
                Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
                ViewportSize = new ViewportSize { Width = 1400, Height = 1000 },
                Timeout = 30_000,
            });
            context.SetDefaultTimeout(40_000);
            return new Browser(playwright, context, profile);
        }
        catch
        {
            playwright.Dispose();
            KillUnder(profile);
            Directory.Delete(profile, recursive: true);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Context.CloseAsync().WaitAsync(TimeSpan.FromSeconds(15));
        }
        catch (Exception e) when (e is TimeoutException or PlaywrightException)
        {
            // Killed below.
        }

        _playwright.Dispose();
        KillUnder(_profile);
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // A helper still closing a file; the temp folder is cleaned by the system.
        }
    }

    private static void KillUnder(string folder)
    {
        foreach (var proc in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(proc), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                if (File.ReadAllText(Path.Combine(proc, "cmdline")).Contains(folder, StringComparison.Ordinal))
                {
                    using var p = System.Diagnostics.Process.GetProcessById(pid);
                    p.Kill();
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
            {
                // Gone meanwhile, or not ours.
            }
        }
    }
}
