using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Search;

using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Subscriptions;

/// <summary>
/// A Subscription's <c>criteria</c>: a search URL (<c>Observation?code=http://loinc.org|8867-4&amp;patient=Patient/1</c>)
/// parsed strictly by the search engine, so a parameter it cannot search is refused when the Subscription is
/// written (422) instead of silently matching everything.
/// </summary>
public static class SubscriptionCriteria
{
    public static SearchQuery Parse(string? criteria, SearchQueryParser parser)
    {
        if (string.IsNullOrWhiteSpace(criteria))
        {
            throw FhirException.Unprocessable("Subscription.criteria is required: a search URL such as Observation?code=…", "Subscription.criteria");
        }

        var question = criteria.IndexOf('?', StringComparison.Ordinal);
        var type = (question < 0 ? criteria : criteria[..question]).Trim().TrimStart('/');
        if (!ModelInfo.IsKnownResource(type))
        {
            throw FhirException.Unprocessable($"Subscription.criteria '{criteria}' does not start with a resource type.", "Subscription.criteria");
        }

        try
        {
            return parser.Parse(type, question < 0 ? [] : QueryString.Parse(criteria[(question + 1)..]), strict: true);
        }
        catch (FhirException e)
        {
            throw FhirException.Unprocessable($"Subscription.criteria '{criteria}' cannot be searched: {e.Message}", "Subscription.criteria");
        }
    }
}
