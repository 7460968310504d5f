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

    /// <summary>
    /// What one episode of the rule is about besides the patient: null for the patient as a whole (a vital sign,
    /// a contraindication); an Encounter id for <c>discharge</c>, so each session has its own Flag.
    /// </summary>
    public string? Scope { get; init; }

    /// <summary>References implicated besides the trigger (<c>DetectedIssue.implicated</c>), e.g. the session a Condition conflicts with.</summary>
    public IReadOnlyList<string> Implicated { get; init; } = [];

    /// <summary>The references the verdict rests on (<c>DetectedIssue.evidence.detail</c>); empty: the trigger itself.</summary>
    public IReadOnlyList<string> Evidence { get; init; } = [];
}
