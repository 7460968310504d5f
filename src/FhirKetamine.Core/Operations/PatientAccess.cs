using System.Net;

using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Smart;

using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Operations;

/// <summary>
/// What a caller may read of one patient's record, for the operations that gather it (<c>$everything</c>,
/// <c>$ketamine-progress</c>): a type counts when a granted scope allows reading it, and a <c>patient/</c>
/// scope counts only for the token's own patient. Types the caller may not read are left out, not refused;
/// the Patient itself must be readable, or the operation is refused with 403.
/// </summary>
public sealed class PatientAccess
{
    private readonly SmartAccess _access;
    private readonly string _patientId;

    private PatientAccess(SmartAccess access, string patientId)
    {
        _access = access;
        _patientId = patientId;
    }

    /// <summary>The caller's view of <paramref name="patientId"/>'s record; 403 when it may not read that Patient.</summary>
    public static PatientAccess Demand(SmartAccess access, string patientId)
    {
        var view = new PatientAccess(access, patientId);
        if (!view.CanRead("Patient"))
        {
            var reason = access.PatientId is { } own && own != patientId && access.Scopes.Any(s => s.Context == "patient" && s.Allows("Patient", 'r'))
                ? "A patient-context token reaches only its own patient's record."
                : "The access token does not grant 'r' on Patient.";
            throw new FhirException(HttpStatusCode.Forbidden, OperationOutcome.IssueType.Forbidden, reason);
        }

        return view;
    }

    public bool CanRead(string type) =>
        _access.Scopes.Any(s => s.Allows(type, 'r') && (s.Context != "patient" || (_access.PatientId == _patientId && type != "AuditEvent")));
}
