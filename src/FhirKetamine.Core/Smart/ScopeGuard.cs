using System.Net;
using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Search;
using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Smart;

/// <summary>
/// Every interaction passes here before it touches storage (HTTP requests and each Bundle entry alike):
/// the request's interaction and type must be covered by a granted scope, or it is refused with 403. What a
/// read, search or history may then see is bounded in the query itself (<see cref="Bounds"/>).
/// </summary>
public static class ScopeGuard
{
    public static void Demand(FhirRequest request)
    {
        Audit.AuditPolicy.Demand(request);
        var permission = request.Interaction switch
        {
            Interaction.Read or Interaction.VRead or Interaction.HistoryInstance => 'r',
            Interaction.SearchType or Interaction.SearchSystem or Interaction.HistoryType or Interaction.HistorySystem => 's',
            Interaction.Create => 'c',
            Interaction.Update when request.CreateWithId => 'c',
            Interaction.Update or Interaction.Patch => 'u',
            Interaction.Delete => 'd',
            _ => (char?)null,
        };
        if (permission is null)
        {
            return; // capabilities; batch/transaction entries are checked one by one; operations check their own needs
        }

        // System-level search and history span every type, so only a wildcard scope covers them.
        var type = request.ResourceType ?? "*";
        var allowing = request.Access.Scopes.Where(s => s.Grants(type, permission.Value)).ToList();
        if (allowing.Count == 0)
        {
            throw new FhirException(HttpStatusCode.Forbidden, OperationOutcome.IssueType.Forbidden,
                $"The access token does not grant '{permission}' on {type}.");
        }

        // Reads and searches are bounded by the search engine (ScopeBounds: compartment and granular filters, in the
        // query). A write is checked on the request alone, so it needs a scope without a compartment or a filter.
        if (permission is 'c' or 'u' or 'd' && !allowing.Any(s => s.Filter is null && s.Context != "patient"))
        {
            throw new FhirException(HttpStatusCode.Forbidden, OperationOutcome.IssueType.Forbidden,
                $"'{permission}' on {type} is granted only within a patient's compartment or a granular filter, which this server enforces on reads and searches only.");
        }
    }

    /// <summary>
    /// What a read (<c>r</c>) or search (<c>s</c>) may see, for the search engine to apply as a predicate; null when the
    /// grant is unrestricted (<see cref="ScopeBounds"/>).
    /// </summary>
    public static AccessBounds? Bounds(FhirRequest request, char permission, SearchQueryParser parser) =>
        ScopeBounds.Of(request.Access, permission, parser);
}
