using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Tests.Subscriptions;

/// <summary>Delivery that outlives a process, and several instances on one database claiming each notification once.</summary>
public sealed class SubscriptionDeliveryTests
{
    [Fact]
    public async Task A_restart_between_write_and_delivery_still_delivers()
    {
        await using var receiver = await HookReceiver.StartAsync();
        string readingId;
        var first = new FhirServerFactory { OwnsDatabase = false }.Quick(deliver: false);
        await using (first)
        {
            var client = first.CreateFhirClient();
            var patient = await client.CreateAsync(Fhir.Patient());
            await client.CreateAsync(Subs.RestHook(Subs.HeartRates(patient.Id!), receiver.Url + "/after-restart"));
            readingId = (await client.CreateAsync(Fhir.HeartRate(patient.Id!, "2026-11-25T10:00:00Z", 72))).Id!;
            Assert.Equal(1, await Subs.PendingNotificationsAsync(first));
        }

        await using var second = new FhirServerFactory(first.Database).Quick();
        _ = second.CreateClient();

        var delivered = Assert.Single(await receiver.WaitForAsync(1));
        Assert.Contains(readingId, delivered.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_instances_on_one_database_deliver_each_notification_once()
    {
        await using var receiver = await HookReceiver.StartAsync();
        await using var first = new FhirServerFactory().Quick();
        var a = first.CreateFhirClient();
        await using var second = new FhirServerFactory(first.Database) { OwnsDatabase = false }.Quick();
        var b = second.CreateFhirClient();
        var patient = await a.CreateAsync(Fhir.Patient());
        await a.CreateAsync(Subs.RestHook(Subs.HeartRates(patient.Id!), receiver.Url + "/once"));

        var ids = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            var writer = i % 2 == 0 ? a : b;
            ids.Add((await writer.CreateAsync(Fhir.HeartRate(patient.Id!, $"2026-11-25T10:00:{i:00}Z", 70 + i))).Id!);
        }

        await receiver.WaitForAsync(ids.Count);
        await Subs.EventuallyAsync(async () => await Subs.PendingNotificationsAsync(first) == 0, "outbox drained");
        var delivered = receiver.Requests.Select(r => Subs.Parse(r.Body).Id).ToList();
        Assert.Equal(ids.Order(StringComparer.Ordinal), delivered.Order(StringComparer.Ordinal));
    }
}
