using FhirKetamine.Core.Smart;

using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Audit;

/// <summary>
/// One interaction to audit, as the HTTP layer or the write hook saw it: who (the caller's access and origin),
/// what (the interaction, the resources, the patient, the query), when, and the outcome (the HTTP status).
/// </summary>
public sealed record AuditRecord(SmartAccess Access, string Subtype, AuditEvent.AuditEventAction Action, int Status)
{
    public DateTimeOffset Recorded { get; init; }

    /// <summary>The resources read or written, as references (<c>Observation/1/_history/2</c>).</summary>
    public IReadOnlyList<string> Resources { get; init; } = [];

    /// <summary>The ids of the patients whose data this was.</summary>
    public IReadOnlyList<string> Patients { get; init; } = [];

    /// <summary>A search's query as the client sent it (<c>Observation?patient=…&amp;code=…</c>).</summary>
    public string? Query { get; init; }

    /// <summary>The outcome in words (a failure's diagnostics); defaults to the HTTP status.</summary>
    public string? Description { get; init; }

    /// <summary>The FHIR base URL of this server (the destination's network address).</summary>
    public string BaseUrl { get; init; } = string.Empty;
}
