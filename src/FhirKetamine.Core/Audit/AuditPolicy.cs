using System.Net;

using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Smart;

using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Audit;

/// <summary>
/// What clients may do with the server's accountability records, checked with the scopes for every request
/// and Bundle entry (<see cref="ScopeGuard.Demand"/>):
/// <list type="bullet">
/// <item>AuditEvent is written by the server alone: create, update, patch and delete are refused with 405.</item>
/// <item>Provenance is append-only: a client may create one (an EHR's account of where imported data came from;
/// the server's own Provenance of that write still names the real client), but no Provenance can be updated,
/// patched or deleted (405), so the server's record of a write cannot be rewritten or erased.</item>
/// <item>AuditEvents are read only with <c>user/</c> or <c>system/</c> scopes (<c>AuditEvent.rs</c> or <c>*.rs</c>):
/// a grant that covers them only through <c>patient/</c> scopes is refused with 403, since the audit trail names
/// staff, apps and addresses.</item>
/// </list>
/// </summary>
public static class AuditPolicy
{
    public static void Demand(FhirRequest request)
    {
        switch (request.ResourceType, request.Interaction)
        {
            case ("AuditEvent", Interaction.Create or Interaction.Update or Interaction.Patch or Interaction.Delete):
                throw new FhirException(HttpStatusCode.MethodNotAllowed, OperationOutcome.IssueType.NotSupported,
                    $"AuditEvents are written by the server only; {request.Interaction.ToString().ToLowerInvariant()} is not allowed.");
            case ("Provenance", Interaction.Update or Interaction.Patch or Interaction.Delete):
                throw new FhirException(HttpStatusCode.MethodNotAllowed, OperationOutcome.IssueType.NotSupported,
                    $"Provenance is append-only; {request.Interaction.ToString().ToLowerInvariant()} is not allowed.");
            case ("AuditEvent", Interaction.Read or Interaction.VRead or Interaction.HistoryInstance or Interaction.HistoryType or Interaction.SearchType)
                when OnlyPatientScopes(request.Access, request.Interaction is Interaction.SearchType or Interaction.HistoryType ? 's' : 'r'):
                throw new FhirException(HttpStatusCode.Forbidden, OperationOutcome.IssueType.Forbidden,
                    "AuditEvents are read with user/ or system/ scopes only (user/AuditEvent.rs, system/AuditEvent.rs).");
            case (_, Interaction.SearchType) when IncludesAuditEvents(request) && OnlyPatientScopes(request.Access, 'r'):
                throw new FhirException(HttpStatusCode.Forbidden, OperationOutcome.IssueType.Forbidden,
                    "AuditEvents are read with user/ or system/ scopes only; a patient-context token cannot _include or _revinclude them.");
        }
    }

    /// <summary>
    /// AuditEvent and Provenance: records about the patient's record, not part of it. <c>$everything</c> and Patient- and
    /// Group-level <c>$export</c> leave them out unless <c>_type</c> names them (they grow with every access: each call
    /// would list the audits of the last). A system-level export holds every type the scopes allow, these included.
    /// </summary>
    public static bool IsAccountability(string type) => type is "AuditEvent" or "Provenance";

    /// <summary>An _include or _revinclude that could bring AuditEvents: one naming AuditEvent, or a wildcard.</summary>
    private static bool IncludesAuditEvents(FhirRequest request) =>
        request.Parameters.Any(p => (p.Key.StartsWith("_include", StringComparison.Ordinal) || p.Key.StartsWith("_revinclude", StringComparison.Ordinal))
            && (p.Value.Contains("AuditEvent", StringComparison.Ordinal) || p.Value.Contains('*', StringComparison.Ordinal)));

    private static bool OnlyPatientScopes(SmartAccess access, char permission)
    {
        var allowing = access.Scopes.Where(s => s.Allows("AuditEvent", permission)).ToList();
        return allowing.Count > 0 && allowing.All(s => s.Context == "patient");
    }
}
