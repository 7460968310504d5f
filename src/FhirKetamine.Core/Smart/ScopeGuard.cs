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
        var allowing = request.Access.Scopes.Where(s => s.Allows(type, permission.Value)).ToList();
        if (allowing.Count == 0)
        {
            throw new FhirException(HttpStatusCode.Forbidden, OperationOutcome.IssueType.Forbidden,
                $"The access token does not grant '{permission}' on {type}.");
        }

        if (allowing.All(s => s.Context == "patient"))
        {
            DemandPatientCompartment(request, type, permission.Value);
        }
    }

    /// <summary>
    /// The patient whose compartment bounds a search, when the search type is granted only through <c>patient/</c>
    /// scopes; null otherwise. The search engine applies it as a predicate to the matches, every chain and
    /// <c>_has</c> step and every include level, so nothing outside the compartment is ever read.
    /// </summary>
    public static string? CompartmentOf(FhirRequest request)
    {
        var type = request.ResourceType ?? "*";
        var allowing = request.Access.Scopes.Where(s => s.Allows(type, 's')).ToList();
        return allowing.Count > 0 && allowing.All(s => s.Context == "patient") ? request.Access.PatientId ?? string.Empty : null;
    }

    /// <summary>The resource types the caller may read (what _include and _revinclude may return), or null for every type.</summary>
    public static IReadOnlyList<string>? ReadableTypes(SmartAccess access)
    {
        var reading = access.Scopes.Where(s => s.Filter is null && s.Permissions.Contains('r', StringComparison.Ordinal)).ToList();
        return reading.Any(s => s.ResourceType == "*") ? null : reading.Select(s => s.ResourceType).Distinct().ToList();
    }

    /// <summary>
    /// A grant only through <c>patient/</c> scopes stays inside its patient's compartment. Checked on the request
    /// alone, so for now: its own Patient (read, vread, history, search by <c>_id</c>) and searches of other types
    /// with <c>patient=</c> or <c>subject=</c> naming that patient. Such a search may chain, use <c>_has</c>,
    /// <c>_include</c> and <c>_revinclude</c>: the engine bounds each of those by the compartment too
    /// (<see cref="CompartmentOf"/>). Everything else is refused with 403 (deny by default) until the compartment
    /// check on loaded resources lands.
    /// </summary>
    private static void DemandPatientCompartment(FhirRequest request, string type, char permission)
    {
        var patientId = request.Access.PatientId;
        var allowed = patientId is not null && (request.Interaction, type) switch
        {
            (Interaction.Read or Interaction.VRead or Interaction.HistoryInstance, "Patient") => request.Id == patientId,
            (Interaction.SearchType, "Patient") => Values(request, "_id").ToList() is [var id] && id == patientId,
            (Interaction.SearchType, _) => Values(request, "patient").Concat(Values(request, "subject")).ToList() is [var reference]
                && (reference == patientId || reference == "Patient/" + patientId),
            _ => false,
        };
        if (!allowed)
        {
            throw new FhirException(HttpStatusCode.Forbidden, OperationOutcome.IssueType.Forbidden,
                $"A patient-context token reaches only its patient's compartment: '{permission}' on {type} must name that patient (e.g. {type}?patient=…).");
        }
    }

    private static IEnumerable<string> Values(FhirRequest request, string name) =>
        request.Parameters.Where(p => p.Key == name || p.Key.StartsWith(name + ":", StringComparison.Ordinal))
            .SelectMany(p => p.Value.Split(','));
}
