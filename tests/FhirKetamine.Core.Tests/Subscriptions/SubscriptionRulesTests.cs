using System.Net;

using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Search;
using FhirKetamine.Core.Smart;
using FhirKetamine.Core.Subscriptions;

using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Tests.Subscriptions;

public sealed class SubscriptionRulesTests
{
    private static readonly SearchQueryParser Parser = new(new SearchParameterRegistry());

    [Fact]
    public void Criteria_parse_to_the_type_and_its_search_clauses()
    {
        var query = SubscriptionCriteria.Parse("Observation?patient=Patient/1&code=http://loinc.org|8867-4", Parser);

        Assert.Equal("Observation", query.ResourceType);
        Assert.Equal(2, query.Clauses.Count);
    }

    [Fact]
    public void Criteria_with_a_parameter_the_type_lacks_are_422()
    {
        var e = Assert.Throws<FhirException>(() => SubscriptionCriteria.Parse("Flag?code-value-quantity=gt5", Parser));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, e.Status);
    }

    [Fact]
    public void An_owner_receives_only_types_its_scopes_read()
    {
        var system = SmartAccess.FromScopeString("ehr", null, null, "system/Subscription.cruds system/Observation.rs");

        Assert.True(SubscriptionScopes.MayReceive(system, "Observation"));
        Assert.False(SubscriptionScopes.MayReceive(system, "Patient"));
        Assert.False(SubscriptionScopes.MayReceive(SmartAccess.FromScopeString("ehr", null, null, "system/Observation.rs?category=vital-signs"), "Observation"));
    }

    [Fact]
    public void Back_off_doubles_up_to_the_maximum()
    {
        var options = new SubscriptionOptions { RetrySeconds = 2, MaxRetrySeconds = 10 };

        Assert.Equal([2d, 4d, 8d, 10d], [.. new[] { 1, 2, 3, 4 }.Select(n => options.Backoff(n).TotalSeconds)]);
    }

    [Fact]
    public void A_websocket_channel_with_a_payload_is_refused_and_its_url_follows_the_base()
    {
        var subscription = new Subscription
        {
            Criteria = "Observation?code=8867-4",
            Channel = new Subscription.ChannelComponent { Type = Subscription.SubscriptionChannelType.Websocket, Payload = "application/fhir+json" },
        };

        Assert.Equal(HttpStatusCode.UnprocessableEntity, Assert.Throws<FhirException>(() => SubscriptionChannels.Check(subscription)).Status);
        Assert.Equal("wss://clinic.example/fhir-ws", SubscriptionChannels.WebSocketUrl("https://clinic.example/fhir"));
    }
}
