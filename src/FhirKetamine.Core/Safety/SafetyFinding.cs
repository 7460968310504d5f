using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Safety;

/// <summary>
/// A rule's verdict on one written resource: breached (raise a Flag unless one is open) or back in range
/// (close the open Flag). A rule that does not concern the resource gives no finding.
/// </summary>
public sealed record SafetyFinding(SafetyRule Rule, bool Breached, string Detail)
{
    /// <summary>The severity of this breach; a rule may report a lesser one (a dose above the warning limit only).</summary>
    public DetectedIssue.DetectedIssueSeverity Severity { get; init; } = Rule.Severity;
}
