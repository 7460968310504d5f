using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Storage;
using FhirKetamine.Core.Terminology;

using Hl7.Fhir.Model;

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FhirKetamine.Core.Safety;

/// <summary>
/// Rule <c>contra-history</c> (DOMAIN.md §5; Sanacora, JAMA Psychiatry 2017): ketamine treatment for a patient with an
/// active Condition whose code is in the contraindication ValueSet (<see cref="SafetyOptions.ContraindicationValueSet"/>,
/// the IG's <c>ketamine-contraindication</c>, data the clinic edits through the API). Membership is asked of the
/// server's terminology service, the one <c>$validate-code</c> answers from. A Condition counts while its clinical
/// status is active, recurrence or relapse (or absent with no abatement) and its verification status is not refuted
/// or entered-in-error.
/// <list type="bullet">
/// <item>A treatment write — an infusion Procedure, a ketamine MedicationAdministration, a session Encounter that is
/// not over, an active ketamine CarePlan — breaches while any such Condition is on record, and is back in range when
/// none is.</item>
/// <item>A Condition write breaches when that Condition is such a Condition and the patient is in treatment (an
/// ongoing session Encounter or infusion Procedure, or an active ketamine CarePlan); it is back in range when no such
/// Condition is left (resolved, refuted, entered in error, recoded or deleted).</item>
/// </list>
/// One Flag per patient: further contraindications while it is open add a warning, not a second Flag.
/// </summary>
public sealed class ContraindicationRule(FhirSerialization fhir, TerminologyOperations terminology, IOptions<SafetyOptions> options)
{
    public const string InfusionProcedure = "14152002";
    public const string EncounterTypeSystem = "http://fhir-ketamine.org/fhir/CodeSystem/ketamine-encounter-type";
    public const string InfusionSession = "infusion-session";
    public const string TreatmentPhaseExtension = "http://fhir-ketamine.org/fhir/StructureDefinition/treatment-phase";

    private const string ClinicalSystem = "http://terminology.hl7.org/CodeSystem/condition-clinical";
    private const string VerificationSystem = "http://terminology.hl7.org/CodeSystem/condition-ver-status";

    /// <summary>Statuses of an Encounter, CarePlan or Procedure still under way (the token index is asked for these, then each is read).</summary>
    private static readonly string[] Ongoing = ["planned", "arrived", "triaged", "in-progress", "onleave", "active", "preparation", "on-hold"];

    private static SafetyRule Rule => SafetyRule.For("contra-history");

    /// <summary>A treatment write for <paramref name="patient"/>: breached while a contraindication is on record.</summary>
    public async Task<SafetyFinding> EvaluateTreatmentAsync(FhirDbContext db, string patient, CancellationToken ct)
    {
        var active = await ActiveAsync(db, patient, ct);
        return active.Count > 0 ? Breach(active, []) : Clear();
    }

    /// <summary>A Condition written (or deleted: <paramref name="written"/> null) for <paramref name="patient"/>.</summary>
    public async Task<SafetyFinding?> EvaluateConditionAsync(FhirDbContext db, string? written, string patient, CancellationToken ct)
    {
        var active = await ActiveAsync(db, patient, ct);
        if (active.Count == 0)
        {
            return Clear();
        }

        if (written is null || !active.Any(a => a.Reference == written))
        {
            return null; // another Condition contraindicates; this write changes nothing about it
        }

        return await TreatmentAsync(db, patient, ct) is { } treatment ? Breach(active, [treatment]) : null;
    }

    /// <summary>Whether the Condition counts: clinically active and not refuted or entered in error.</summary>
    public static bool IsActive(Condition condition)
    {
        var verification = condition.VerificationStatus?.Coding.Where(c => c.System == VerificationSystem).Select(c => c.Code).ToList() ?? [];
        if (verification.Any(c => c is "refuted" or "entered-in-error"))
        {
            return false;
        }

        var clinical = condition.ClinicalStatus?.Coding.Where(c => c.System == ClinicalSystem).Select(c => c.Code).ToList() ?? [];
        return clinical.Count > 0 ? clinical.Any(c => c is "active" or "recurrence" or "relapse") : condition.Abatement is null;
    }

    /// <summary>A session Encounter (type <c>ketamine-encounter-type#infusion-session</c>, as the IG's profile requires).</summary>
    public static bool IsSession(Encounter encounter) =>
        encounter.Type.Any(t => t.Coding.Any(c => c.System == EncounterTypeSystem && c.Code == InfusionSession));

    /// <summary>A session Encounter planned or under way: a treatment write.</summary>
    public static bool IsOngoingSession(Encounter encounter) =>
        IsSession(encounter) && encounter.Status is Encounter.EncounterStatus.Planned or Encounter.EncounterStatus.Arrived
            or Encounter.EncounterStatus.Triaged or Encounter.EncounterStatus.InProgress or Encounter.EncounterStatus.Onleave;

    /// <summary>An infusion Procedure (SNOMED 14152002) that was or will be done.</summary>
    public static bool IsInfusion(Procedure procedure) =>
        procedure.Code?.Coding.Any(c => c.Code == InfusionProcedure) == true
        && procedure.Status is not (EventStatus.EnteredInError or EventStatus.NotDone or EventStatus.Unknown);

    /// <summary>An active ketamine treatment plan: the IG's treatment-phase extension, or an activity of infusion code 14152002.</summary>
    public static bool IsActivePlan(CarePlan plan) =>
        plan.Status == RequestStatus.Active
        && (plan.GetExtension(TreatmentPhaseExtension) is not null
            || plan.Activity.Any(a => a.Detail?.Code?.Coding.Any(c => c.Code == InfusionProcedure) == true));

    /// <summary>The patient's stored Conditions that count and have a code in the ValueSet, with the codes that matched.</summary>
    private async Task<List<(string Reference, string Codes)>> ActiveAsync(FhirDbContext db, string patient, CancellationToken ct)
    {
        var rows = await (from x in db.ReferenceIndex
                          where x.ResourceType == "Condition" && x.ParamName == "subject" && x.TargetType == "Patient" && x.TargetId == patient
                          join r in db.Resources on x.ResourceKey equals r.Key
                          where !r.IsDeleted
                          select new
                          {
                              r.LogicalId,
                              Json = db.Versions.Where(v => v.ResourceKey == r.Key && v.VersionId == r.VersionId).Select(v => v.Json).First(),
                          })
            .ToListAsync(ct);
        var valueSet = options.Value.ContraindicationValueSet;
        var active = new List<(string, string)>();
        foreach (var row in rows.DistinctBy(r => r.LogicalId).OrderBy(r => r.LogicalId, StringComparer.Ordinal))
        {
            if (fhir.ParseStored(row.Json) is Condition condition && IsActive(condition)
                && await terminology.MembersAsync(valueSet, condition.Code, ct) is { Count: > 0 } members)
            {
                active.Add(($"Condition/{row.LogicalId}", string.Join(", ", members.Select(Describe))));
            }
        }

        return active;
    }

    /// <summary>What puts the patient in treatment now: an ongoing session Encounter, an ongoing infusion Procedure or an active ketamine CarePlan.</summary>
    private async Task<string?> TreatmentAsync(FhirDbContext db, string patient, CancellationToken ct)
    {
        var rows = await (from x in db.ReferenceIndex
                          where (x.ResourceType == "Encounter" || x.ResourceType == "Procedure" || x.ResourceType == "CarePlan")
                              && x.ParamName == "subject" && x.TargetType == "Patient" && x.TargetId == patient
                          join t in db.TokenIndex on x.ResourceKey equals t.ResourceKey
                          where t.ParamName == "status" && Ongoing.Contains(t.Code)
                          join r in db.Resources on x.ResourceKey equals r.Key
                          where !r.IsDeleted
                          select new
                          {
                              r.Type,
                              r.LogicalId,
                              r.LastUpdated,
                              Json = db.Versions.Where(v => v.ResourceKey == r.Key && v.VersionId == r.VersionId).Select(v => v.Json).First(),
                          })
            .ToListAsync(ct);
        return rows.DistinctBy(r => (r.Type, r.LogicalId))
            .Where(r => fhir.ParseStored(r.Json) switch
            {
                Encounter encounter => IsOngoingSession(encounter),
                Procedure procedure => IsInfusion(procedure) && procedure.Status is EventStatus.Preparation or EventStatus.InProgress or EventStatus.OnHold,
                CarePlan plan => IsActivePlan(plan),
                _ => false,
            })
            .OrderBy(r => r.Type switch { "Encounter" => 0, "Procedure" => 1, _ => 2 })
            .ThenByDescending(r => r.LastUpdated)
            .Select(r => $"{r.Type}/{r.LogicalId}")
            .FirstOrDefault();
    }

    private SafetyFinding Breach(List<(string Reference, string Codes)> active, IReadOnlyList<string> implicated) =>
        new(Rule, true, $"{Rule.Display}: {string.Join("; ", active.Select(a => $"{a.Reference} ({a.Codes})"))} active, in ValueSet {options.Value.ContraindicationValueSet}.")
        {
            Implicated = implicated,
            Evidence = [.. active.Select(a => a.Reference)],
        };

    private SafetyFinding Clear() =>
        new(Rule, false, $"{Rule.Display}: no active Condition in ValueSet {options.Value.ContraindicationValueSet}.");

    private static string Describe(Coding coding)
    {
        var system = coding.System switch
        {
            "http://snomed.info/sct" => "SNOMED CT",
            "http://hl7.org/fhir/sid/icd-10-cm" => "ICD-10-CM",
            _ => coding.System,
        };
        return coding.Display is { } display ? $"{system} {coding.Code} {display}" : $"{system} {coding.Code}";
    }
}
