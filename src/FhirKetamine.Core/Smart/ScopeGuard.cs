using System.Net;
using FhirKetamine.Core.Rest;
using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Smart;

/// <summary>
/// Every interaction passes here before it touches storage (HTTP requests and each Bundle entry alike):
/// the request's interaction and type must be covered by a granted scope, or it is refused with 403.
/// </summary>
public static class ScopeGuard
{
    public static void Demand(FhirRequest request)
    {
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
        if (!request.Access.Scopes.Any(s => s.Allows(type, permission.Value)))
        {
            throw new FhirException(HttpStatusCode.Forbidden, OperationOutcome.IssueType.Forbidden,
                $"The access token does not grant '{permission}' on {type}.");
        }
    }
}
