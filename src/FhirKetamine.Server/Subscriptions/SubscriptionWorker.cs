using System.Net.Http.Headers;
using System.Text;

using FhirKetamine.Core.Subscriptions;

using Microsoft.Extensions.Options;

namespace FhirKetamine.Server.Subscriptions;

/// <summary>
/// Delivers the outbox: claims due rest-hook notifications (and those of websocket Subscriptions bound to
/// this instance), sends each one, and deletes it once sent; a failure is retried with back-off by whichever
/// instance claims it next (<see cref="SubscriptionOutbox"/>). Each notification runs in its own DI scope.
/// </summary>
internal sealed partial class SubscriptionWorker(
    IServiceScopeFactory scopes,
    IOptions<SubscriptionOptions> options,
    SubscriptionSignal signal,
    SubscriptionSockets sockets,
    IHttpClientFactory httpClients,
    ILogger<SubscriptionWorker> logger) : BackgroundService
{
    public const string HttpClientName = "subscriptions";

    private static readonly TimeSpan SweepEvery = TimeSpan.FromMinutes(1);

    private readonly string _worker = $"{Environment.ProcessId}/{Guid.NewGuid():N}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var poll = TimeSpan.FromMilliseconds(Math.Max(50, options.Value.PollMilliseconds));
        var nextSweep = DateTime.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            var claimed = 0;
            try
            {
                if (DateTime.UtcNow >= nextSweep)
                {
                    await using var scope = scopes.CreateAsyncScope();
                    await scope.ServiceProvider.GetRequiredService<SubscriptionOutbox>().SweepAsync(stoppingToken);
                    nextSweep = DateTime.UtcNow + SweepEvery;
                }

                claimed = await PassAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return; // claimed rows go back to the queue when their lease runs out
            }
            catch (Exception e)
            {
                LogPassFailed(logger, e);
            }

            if (claimed == 0)
            {
                try
                {
                    await signal.WaitAsync(poll, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>One round: claims and delivers what is due; the number of notifications claimed.</summary>
    private async Task<int> PassAsync(CancellationToken ct)
    {
        List<NotificationRow> restHooks;
        await using (var scope = scopes.CreateAsyncScope())
        {
            restHooks = await scope.ServiceProvider.GetRequiredService<SubscriptionOutbox>().ClaimAsync(_worker, null, ct);
        }

        var claimed = restHooks.Count;
        var sending = restHooks.Select(row => DeliverAsync(row, SendRestHookAsync, ct)).ToList();
        foreach (var id in sockets.BoundIds)
        {
            List<NotificationRow> pings;
            await using (var scope = scopes.CreateAsyncScope())
            {
                pings = await scope.ServiceProvider.GetRequiredService<SubscriptionOutbox>().ClaimAsync(_worker, id, ct);
            }

            claimed += pings.Count;
            foreach (var row in pings)
            {
                await DeliverAsync(row, SendPingAsync, ct);
            }
        }

        await Task.WhenAll(sending);
        return claimed;
    }

    /// <summary>Sends one notification; false: the channel has no taker now (returned to the queue untried).</summary>
    private async Task DeliverAsync(NotificationRow row, Func<Notification, CancellationToken, Task<bool>> send, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var outbox = scope.ServiceProvider.GetRequiredService<SubscriptionOutbox>();
        if (await outbox.PrepareAsync(row, ct) is not { } notification)
        {
            return;
        }

        string? error = null;
        var sent = false;
        try
        {
            sent = await send(notification, ct);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            error = e is TaskCanceledException ? "the endpoint did not answer in time" : e.Message;
        }
        catch (SubscriptionDeliveryException e)
        {
            error = e.Message;
        }

        if (error is not null)
        {
            await outbox.FailedAsync(row, error, ct);
        }
        else if (sent)
        {
            await outbox.DeliveredAsync(row, ct);
        }
        else
        {
            await outbox.ReleaseAsync(row, ct);
        }
    }

    /// <summary>
    /// POSTs to the channel endpoint with the channel's headers: the matched resource as the body when a
    /// payload is set, no body otherwise (R4: an empty notification). Any 2xx counts as delivered.
    /// </summary>
    private async Task<bool> SendRestHookAsync(Notification notification, CancellationToken ct)
    {
        var channel = notification.Subscription.Channel;
        using var request = new HttpRequestMessage(HttpMethod.Post, channel.Endpoint);
        if (notification.ResourceJson is { } json)
        {
            request.Content = new StringContent(json, Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(channel.Payload ?? SubscriptionChannels.FhirJson) { CharSet = "utf-8" };
        }

        foreach (var header in channel.Header.OfType<string>())
        {
            var colon = header.IndexOf(':', StringComparison.Ordinal);
            var (name, value) = (header[..colon].Trim(), header[(colon + 1)..].Trim());
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, value);
            }
        }

        using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        return response.IsSuccessStatusCode
            ? true
            : throw new SubscriptionDeliveryException($"the endpoint answered {(int)response.StatusCode} {response.ReasonPhrase}");
    }

    private async Task<bool> SendPingAsync(Notification notification, CancellationToken ct) =>
        await sockets.PingAsync(notification.Row.SubscriptionId, ct) > 0;

    [LoggerMessage(EventId = 5010, Level = LogLevel.Error, Message = "Subscription delivery pass failed")]
    private static partial void LogPassFailed(ILogger logger, Exception e);

    private sealed class SubscriptionDeliveryException(string message) : Exception(message);
}
