using System.Collections.Concurrent;

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FhirKetamine.Server.Tests.Subscriptions;

/// <summary>A real HTTP endpoint for rest-hook notifications: Kestrel on a free port, recording each POST and answering <see cref="Status"/>.</summary>
public sealed class HookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private HookReceiver(WebApplication app) => _app = app;

    public int Status { get; set; } = 200;

    public ConcurrentQueue<Received> Requests { get; } = new();

    /// <summary>The base URL, e.g. http://127.0.0.1:41234.</summary>
    public string Url => _app.Urls.First();

    public static async Task<HookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new HookReceiver(app);
        app.MapPost("/{**path}", async (HttpContext http) =>
        {
            using var reader = new StreamReader(http.Request.Body);
            var body = await reader.ReadToEndAsync();
            receiver.Requests.Enqueue(new Received(
                http.Request.Path,
                http.Request.ContentType,
                http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
                body));
            return Results.StatusCode(receiver.Status);
        });
        await app.StartAsync();
        return receiver;
    }

    /// <summary>Waits (generously) until at least <paramref name="count"/> requests matching <paramref name="filter"/> arrived.</summary>
    public async Task<List<Received>> WaitForAsync(int count, Func<Received, bool>? filter = null, int seconds = 60)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var got = Requests.Where(filter ?? (_ => true)).ToList();
            if (got.Count >= count)
            {
                return got;
            }

            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"Expected {count} notifications, got {got.Count} in {seconds} s.");
            }

            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public sealed record Received(string Path, string? ContentType, Dictionary<string, string> Headers, string Body);
}
