using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Safety;

/// <summary>
/// One safety rule of DOMAIN.md §5 (its id is a code of the IG's <c>CodeSystem/ketamine-safety</c>): how a
/// breach is reported. The thresholds themselves are data (ObservationDefinitions, <see cref="SafetyOptions"/>).
/// </summary>
public sealed record SafetyRule(string Id, string Display, DetectedIssue.DetectedIssueSeverity Severity, string ActCode, string Basis)
{
    public const string CodeSystem = "http://fhir-ketamine.org/fhir/CodeSystem/ketamine-safety";

    /// <summary>Communication priority: stat for high severity and suicidal ideation, urgent otherwise.</summary>
    public RequestPriority Priority => Severity == DetectedIssue.DetectedIssueSeverity.High || Id == "si" ? RequestPriority.Stat : RequestPriority.Urgent;

    private static readonly Dictionary<string, SafetyRule> Known = new[]
    {
        new SafetyRule("bp-contra", "Pre-infusion blood pressure contraindicates infusion", DetectedIssue.DetectedIssueSeverity.High, "COND", "Swiss SmPC (oddb.org reg. 67199)"),
        new SafetyRule("bp-preinfusion", "Pre-infusion blood pressure needs review", DetectedIssue.DetectedIssueSeverity.Moderate, "COND", "clinic default"),
        new SafetyRule("bp-intra", "Blood pressure high during infusion", DetectedIssue.DetectedIssueSeverity.High, "COND", "clinic default (Yip 2022)"),
        new SafetyRule("spo2-low", "Low oxygen saturation", DetectedIssue.DetectedIssueSeverity.High, "COND", "clinic default"),
        new SafetyRule("hr", "Heart rate out of range", DetectedIssue.DetectedIssueSeverity.Moderate, "COND", "clinic default"),
        new SafetyRule("rr-low", "Respiratory depression", DetectedIssue.DetectedIssueSeverity.High, "COND", "clinic default"),
        new SafetyRule("dose-high", "Ketamine dose high or inconsistent", DetectedIssue.DetectedIssueSeverity.High, "DOSEHINDW", "clinic default; Andrade 2017"),
        new SafetyRule("rate-high", "Ketamine infusion rate high", DetectedIssue.DetectedIssueSeverity.Moderate, "DOSE", "clinic default"),
        new SafetyRule("si", "Suicidal ideation reported", DetectedIssue.DetectedIssueSeverity.High, "COND", "clinic default"),
        new SafetyRule("contra-history", "Contraindicated condition on record", DetectedIssue.DetectedIssueSeverity.High, "COND", "Sanacora, JAMA Psychiatry 2017"),
        new SafetyRule("discharge", "Discharge criteria not met", DetectedIssue.DetectedIssueSeverity.High, "COND", "US ketamine HCl label"),
        new SafetyRule("weight-missing", "No recent body weight", DetectedIssue.DetectedIssueSeverity.Moderate, "DOSE", "clinic default"),
    }.ToDictionary(r => r.Id, StringComparer.Ordinal);

    /// <summary>
    /// The rule for an id; a rule id the clinic invents in an ObservationDefinition (its <c>condition</c>) is a
    /// moderate condition alert named by the id.
    /// </summary>
    public static SafetyRule For(string id) =>
        Known.TryGetValue(id, out var rule) ? rule : new SafetyRule(id, id, DetectedIssue.DetectedIssueSeverity.Moderate, "COND", "clinic ObservationDefinition");
}
