using System.Net;

using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Tests.Subscriptions;

/// <summary>
/// R4 Subscriptions through the real pipeline: a write that matches a Subscription's criteria notifies a real
/// HTTP receiver (rest-hook) and a websocket client (bind-with-id); failures are retried and end in
/// <c>status = error</c>; bad Subscriptions are refused.
/// </summary>
public sealed class SubscriptionTests : IClassFixture<SubscriptionTests.Server>
{
    private readonly FhirServerFactory _server;

    public SubscriptionTests(Server server) => _server = server.Factory;

    [Fact]
    public async Task A_matching_write_notifies_the_rest_hook_and_the_websocket()
    {
        await using var receiver = await HookReceiver.StartAsync();
        var client = _server.CreateFhirClient();
        var patient = await client.CreateAsync(Fhir.Patient());
        var other = await client.CreateAsync(Fhir.Patient("Okafor"));
        var full = await client.CreateAsync(Subs.RestHook(Subs.HeartRates(patient.Id!), receiver.Url + "/full", "application/fhir+json", "Authorization: Bearer chair-secret", "X-Clinic: north"));
        var idOnly = await client.CreateAsync(Subs.RestHook(Subs.HeartRates(patient.Id!), receiver.Url + "/ping", payload: null));
        var socketSub = await client.CreateAsync(Subs.WebSocket(Subs.HeartRates(patient.Id!)));
        var socket = await _server.Server.CreateWebSocketClient().ConnectAsync(new Uri("ws://localhost/fhir-ws"), CancellationToken.None);
        await Subs.SendAsync(socket, $"bind {socketSub.Id}");
        Assert.Equal($"bound {socketSub.Id}", await Subs.ReceiveAsync(socket));

        await client.CreateAsync(Fhir.HeartRate(other.Id!, "2026-11-25T10:00:00Z", 150)); // another patient: no match
        var reading = await client.CreateAsync(Fhir.HeartRate(patient.Id!, "2026-11-25T10:00:05Z", 150));

        var delivered = Assert.Single(await receiver.WaitForAsync(1, r => r.Path == "/full"));
        Assert.StartsWith("application/fhir+json", delivered.ContentType, StringComparison.Ordinal);
        Assert.Equal("Bearer chair-secret", delivered.Headers["Authorization"]);
        Assert.Equal("north", delivered.Headers["X-Clinic"]);
        var sent = Assert.IsType<Observation>(Subs.Parse(delivered.Body));
        Assert.Equal(reading.Id, sent.Id);
        var ping = Assert.Single(await receiver.WaitForAsync(1, r => r.Path == "/ping"));
        Assert.Equal(string.Empty, ping.Body);
        Assert.Equal($"ping {socketSub.Id}", await Subs.ReceiveAsync(socket));
        Assert.Equal(Subscription.SubscriptionStatus.Active, (await Subs.ReadAsync(client, full.Id!)).Status);
        Assert.Equal(Subscription.SubscriptionStatus.Active, (await Subs.ReadAsync(client, idOnly.Id!)).Status);
        await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
    }

    /// <summary>
    /// The active Subscriptions are read once per database transaction, not once per write: a Subscription written by an entry
    /// of a transaction must still count for the entries after it (and a reading before it in the same Bundle is not matched,
    /// as it was not when it was written). Entry order is the transaction's processing order: POSTs in Bundle order.
    /// </summary>
    [Fact]
    public async Task A_subscription_created_by_a_transaction_entry_notifies_on_the_later_entries_of_the_same_transaction()
    {
        await using var receiver = await HookReceiver.StartAsync();
        var client = _server.CreateFhirClient();
        var patient = await client.CreateAsync(Fhir.Patient());
        var before = Fhir.HeartRate(patient.Id!, "2026-11-25T09:59:00Z", 70, $"before-{Guid.NewGuid():N}");
        var transaction = new Bundle { Type = Bundle.BundleType.Transaction };
        foreach (var resource in new Resource[]
            {
                before,
                Subs.RestHook(Subs.HeartRates(patient.Id!), receiver.Url + "/same-transaction"),
                Fhir.HeartRate(patient.Id!, "2026-11-25T10:00:00Z", 71),
                Fhir.HeartRate(patient.Id!, "2026-11-25T10:00:05Z", 72),
            })
        {
            transaction.Entry.Add(new Bundle.EntryComponent
            {
                Resource = resource,
                Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = resource.TypeName },
            });
        }

        using var response = await client.PostAsync(string.Empty, Fhir.Json(transaction));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var delivered = await receiver.WaitForAsync(2, r => r.Path == "/same-transaction");
        Assert.Equal([71m, 72m], delivered.Select(d => Subs.Parse(d.Body) is Observation { Value: Quantity { Value: { } value } } ? value : -1m).Order());
        await Task.Delay(TimeSpan.FromSeconds(2)); // the reading written before the Subscription must not follow
        Assert.Equal(2, (await receiver.WaitForAsync(2, r => r.Path == "/same-transaction")).Count);
    }

    [Fact]
    public async Task A_requested_subscription_is_stored_active()
    {
        var client = _server.CreateFhirClient();

        var created = await client.CreateAsync(Subs.WebSocket("Observation?code=http://loinc.org|8867-4"));

        Assert.Equal(Subscription.SubscriptionStatus.Requested, created.Status);
        var current = await Subs.ReadAsync(client, created.Id!);
        Assert.Equal(Subscription.SubscriptionStatus.Active, current.Status);
        Assert.Equal("2", current.Meta?.VersionId);
    }

    [Theory]
    [InlineData("Observation?no-such-parameter=1")]
    [InlineData("Nonsense?code=1")]
    [InlineData("Observation?code:nonsense=8867-4")]
    public async Task Criteria_the_server_cannot_search_are_422(string criteria)
    {
        var client = _server.CreateFhirClient();

        using var response = await client.PostAsync("Subscription", Fhir.Json(Subs.WebSocket(criteria)));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("criteria", (await response.ReadAsync<OperationOutcome>()).Issue[0].Diagnostics ?? string.Empty, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rest_hook_without_a_usable_endpoint_is_422()
    {
        var client = _server.CreateFhirClient();

        using var response = await client.PostAsync("Subscription", Fhir.Json(Subs.RestHook("Observation?code=8867-4", "not a url")));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
    }

    [Fact]
    public async Task A_failing_receiver_is_retried_and_the_subscription_ends_in_error()
    {
        await using var receiver = await HookReceiver.StartAsync();
        receiver.Status = 503;
        var client = _server.CreateFhirClient();
        var patient = await client.CreateAsync(Fhir.Patient());
        var subscription = await client.CreateAsync(Subs.RestHook(Subs.HeartRates(patient.Id!), receiver.Url + "/down"));

        await client.CreateAsync(Fhir.HeartRate(patient.Id!, "2026-11-25T10:00:00Z", 72));

        Subscription? current = null;
        await Subs.EventuallyAsync(async () => (current = await Subs.ReadAsync(client, subscription.Id!)).Status == Subscription.SubscriptionStatus.Error, "status error");
        Assert.Equal(3, receiver.Requests.Count(r => r.Path == "/down")); // Subscriptions:MaxAttempts
        Assert.Contains("503", current!.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_off_subscription_delivers_nothing()
    {
        await using var receiver = await HookReceiver.StartAsync();
        var client = _server.CreateFhirClient();
        var patient = await client.CreateAsync(Fhir.Patient());
        var off = Subs.RestHook(Subs.HeartRates(patient.Id!), receiver.Url + "/off");
        off.Status = Subscription.SubscriptionStatus.Off;
        var offId = (await client.CreateAsync(off)).Id!;
        var on = await client.CreateAsync(Subs.RestHook(Subs.HeartRates(patient.Id!), receiver.Url + "/on"));

        await client.CreateAsync(Fhir.HeartRate(patient.Id!, "2026-11-25T10:00:00Z", 72));

        await receiver.WaitForAsync(1, r => r.Path == "/on");
        await Subs.EventuallyAsync(async () => await Subs.PendingNotificationsAsync(_server, on.Id) == 0, "outbox drained");
        Assert.Equal(0, await Subs.PendingNotificationsAsync(_server, offId));
        Assert.DoesNotContain(receiver.Requests, r => r.Path == "/off");
        Assert.Equal(Subscription.SubscriptionStatus.Off, (await Subs.ReadAsync(client, offId)).Status);
    }

    [Fact]
    public async Task The_capability_statement_advertises_the_websocket()
    {
        var statement = await (await _server.CreateFhirClient().GetAsync("metadata")).ReadAsync<CapabilityStatement>();

        var url = statement.Rest[0].GetExtensionValue<FhirUri>("http://hl7.org/fhir/StructureDefinition/capabilitystatement-websocket");
        Assert.Equal("ws://localhost/fhir-ws", url.Value);
        Assert.Contains("rest-hook", statement.Rest[0].Resource.Single(r => r.Type == "Subscription").Documentation ?? string.Empty, StringComparison.Ordinal);
    }

    public sealed class Server : IAsyncLifetime
    {
        public FhirServerFactory Factory { get; } = new FhirServerFactory().Quick();

        public Task InitializeAsync() => Task.CompletedTask;

        public async Task DisposeAsync() => await Factory.DisposeAsync();
    }
}
