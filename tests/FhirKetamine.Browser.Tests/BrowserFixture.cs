using Microsoft.Playwright;

namespace FhirKetamine.Browser.Tests;

/// <summary>
/// One headless Chromium for the whole run (Debian's /usr/bin/chromium, or CHROMIUM_PATH): Playwright's driver ships
/// in its NuGet package, no browser is downloaded. Each test opens its own BrowserContext (cookies, sessionStorage).
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private IPlaywright? playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        playwright = await Playwright.CreateAsync();

        // Generous waits: CI runs these next to the integration suite on two cores.
        Microsoft.Playwright.Assertions.SetDefaultExpectTimeout(30_000);
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } path ? path : "/usr/bin/chromium",
            Headless = true,
        });
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        playwright?.Dispose();
    }

    /// <summary>A fresh context with a fixed viewport, locale and time zone, so the screenshots are stable.</summary>
    public async Task<IBrowserContext> NewContextAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1200, Height = 900 },
            Locale = "en-CA",
            TimezoneId = "America/New_York",
        });
        context.SetDefaultTimeout(60_000);
        context.SetDefaultNavigationTimeout(60_000);
        return context;
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "browser";
}
