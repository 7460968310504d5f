namespace FhirKetamine.Core.Smart;

/// <summary>
/// Who is calling and what they were granted: the one place every request's caller and scopes are
/// known. Built from the access token by the HTTP layer; bundle entries inherit their Bundle's.
/// </summary>
public sealed record SmartAccess(string? ClientId, string? FhirUser, string? PatientId, IReadOnlyList<SmartScope> Scopes)
{
    /// <summary>The HTTP request this access came with (address, request id), for AuditEvent and Provenance; null outside HTTP.</summary>
    public Audit.RequestOrigin? Origin { get; init; }

    /// <summary>
    /// What a caller has when authorisation is switched off (<c>Auth:Mode=Disabled</c>, local experiments):
    /// every permission on every type. Logged as a warning at start-up by the host.
    /// </summary>
    public static SmartAccess Unrestricted { get; } = new(null, null, null, [new SmartScope("system", "*", "cruds", null)]);

    /// <summary>
    /// The server loading records that happened elsewhere (the demo clinic): every permission, and the safety rules do
    /// not run, since those records already carry their Flags and DetectedIssues.
    /// </summary>
    public static SmartAccess HistoricalImport { get; } = Unrestricted with { IsHistoricalImport = true };

    /// <summary>True for <see cref="HistoricalImport"/>: the writes record past events, not new readings.</summary>
    public bool IsHistoricalImport { get; init; }

    public static SmartAccess FromScopeString(string? clientId, string? fhirUser, string? patientId, string scopes) =>
        new(clientId, fhirUser, patientId,
            scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(SmartScope.Parse).OfType<SmartScope>().ToList());
}
