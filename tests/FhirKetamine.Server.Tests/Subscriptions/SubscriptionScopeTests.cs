using System.Net;

using FhirKetamine.Server.Tests.Smart;

using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Tests.Subscriptions;

/// <summary>Who may subscribe to what: Subscription scopes, and read access to the criteria's type.</summary>
public sealed class SubscriptionScopeTests : IClassFixture<SmartServerFactory>
{
    private readonly SmartServerFactory _server;

    public SubscriptionScopeTests(SmartServerFactory server) => _server = server;

    [Fact]
    public async Task A_gateway_token_cannot_subscribe()
    {
        var gateway = _server.CreateFhirClient(await _server.GatewayTokenAsync());

        using var response = await gateway.PostAsync("Subscription", Fhir.Json(Subs.WebSocket("Observation?code=8867-4")));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Subscribing_to_a_type_the_token_cannot_read_is_403_and_stores_nothing()
    {
        var observationsOnly = _server.CreateFhirClient(await _server.EhrTokenAsync("system/Subscription.cruds system/Observation.rs"));

        using var refused = await observationsOnly.PostAsync("Subscription", Fhir.Json(Subs.WebSocket("Patient?name=rivera")));
        var search = await (await observationsOnly.GetAsync("Subscription?criteria=Patient")).ReadAsync<Bundle>();

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(OperationOutcome.IssueType.Forbidden, (await refused.ReadAsync<OperationOutcome>()).Issue[0].Code);
        Assert.Empty(search.Entry);
    }

    [Fact]
    public async Task Subscription_scopes_and_read_access_to_the_type_are_enough()
    {
        var subscriber = _server.CreateFhirClient(await _server.EhrTokenAsync("system/Subscription.cruds system/Observation.rs"));

        var created = await subscriber.CreateAsync(Subs.WebSocket("Observation?code=http://loinc.org|8867-4"));

        Assert.Equal(Subscription.SubscriptionStatus.Active, (await Subs.ReadAsync(subscriber, created.Id!)).Status);
    }
}
