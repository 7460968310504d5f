using FhirKetamine.Core.Search;
using FhirKetamine.Core.Smart;

namespace FhirKetamine.Core.Subscriptions;

/// <summary>An active Subscription as the matcher uses it: its parsed criteria (bounded by its owner's compartment, if any) and channel.</summary>
public sealed record ActiveSubscription(string Id, string Channel, SearchQuery Criteria, SmartAccess Owner)
{
    public string ResourceType => Criteria.ResourceType;
}
