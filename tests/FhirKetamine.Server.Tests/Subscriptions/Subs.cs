using System.Net.WebSockets;
using System.Text;

using FhirKetamine.Core.Storage;

using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FhirKetamine.Server.Tests.Subscriptions;

/// <summary>Helpers for the Subscription tests: resources, settings that make retries quick, polling and websocket reads.</summary>
internal static class Subs
{
    public static FhirServerFactory Quick(this FhirServerFactory server, bool deliver = true)
    {
        server.Settings["Subscriptions:PollMilliseconds"] = "100";
        server.Settings["Subscriptions:RetrySeconds"] = "0.2";
        server.Settings["Subscriptions:MaxRetrySeconds"] = "1";
        server.Settings["Subscriptions:MaxAttempts"] = "3";
        server.Settings["Subscriptions:DeliveryEnabled"] = deliver ? "true" : "false";
        return server;
    }

    public static Subscription RestHook(string criteria, string endpoint, string? payload = "application/fhir+json", params string[] headers) => new()
    {
        Status = Subscription.SubscriptionStatus.Requested,
        Reason = "Chair-side monitoring",
        Criteria = criteria,
        Channel = new Subscription.ChannelComponent
        {
            Type = Subscription.SubscriptionChannelType.RestHook,
            Endpoint = endpoint,
            Payload = payload,
            Header = [.. headers],
        },
    };

    public static Subscription WebSocket(string criteria) => new()
    {
        Status = Subscription.SubscriptionStatus.Requested,
        Reason = "Nurse station",
        Criteria = criteria,
        Channel = new Subscription.ChannelComponent { Type = Subscription.SubscriptionChannelType.Websocket },
    };

    public static string HeartRates(string patientId) => $"Observation?patient=Patient/{patientId}&code=http://loinc.org|8867-4";

    /// <summary>Polls <paramref name="check"/> until it is true (generous timeout; no timing is asserted).</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> check, string what, int seconds = 60)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (!await check())
        {
            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"Not within {seconds} s: {what}");
            }

            await Task.Delay(100);
        }
    }

    private static readonly FhirJsonDeserializer Parser = new();

    /// <summary>A notification's body.</summary>
    public static Resource Parse(string json) => Parser.DeserializeResource(json);

    public static async Task<Subscription> ReadAsync(HttpClient client, string id) =>
        await (await client.GetAsync($"Subscription/{id}")).ReadAsync<Subscription>();

    /// <summary>Notifications queued and not yet delivered (of one Subscription, or all).</summary>
    public static async Task<int> PendingNotificationsAsync(FhirServerFactory server, string? subscriptionId = null)
    {
        await using var scope = server.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<FhirDbContext>().Notifications
            .CountAsync(n => subscriptionId == null || n.SubscriptionId == subscriptionId);
    }

    public static async Task SendAsync(WebSocket socket, string text) =>
        await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

    public static async Task<string> ReceiveAsync(WebSocket socket, int seconds = 60)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var buffer = new byte[1024];
        var received = await socket.ReceiveAsync(buffer, timeout.Token);
        return Encoding.UTF8.GetString(buffer, 0, received.Count);
    }
}
