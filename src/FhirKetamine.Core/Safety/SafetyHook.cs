using FhirKetamine.Core.Rest;

using Hl7.Fhir.Model;

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FhirKetamine.Core.Safety;

/// <summary>
/// The safety rules of DOMAIN.md §5, run on every stored create and update inside its transaction: vital signs
/// against the ObservationDefinition thresholds, PHQ-9 item 9, a ketamine administration's dose and rate against
/// the latest body weight, contraindicated Conditions against ketamine treatment (<see cref="ContraindicationRule"/>)
/// and a session's discharge against its Aldrete and companion evidence (<see cref="DischargeRule"/>). The write
/// always stands (a reading is a fact); a breach adds records and a warning to the response
/// (<see cref="SafetyLedger"/>). A write of an ObservationDefinition changes the thresholds for the next reading.
/// </summary>
public sealed class SafetyHook(
    SafetyThresholds thresholds,
    SafetyLedger ledger,
    DoseRules doses,
    ContraindicationRule contraindications,
    DischargeRule discharges,
    FhirSerialization fhir,
    IOptions<SafetyOptions> options) : IWriteHook
{
    public async Task AfterWriteAsync(WriteEvent write, CancellationToken ct)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        if (write.Written.ResourceType == "ObservationDefinition")
        {
            thresholds.Invalidate();
            return;
        }

        if (write.Written.Id is not { } id || write.Request.Access.IsHistoricalImport)
        {
            return;
        }

        var resource = write.Written.Resource;
        if (resource is null)
        {
            // A deleted Condition no longer counts as a contraindication.
            if (write.Written.ResourceType == "Condition" && await DeletedSubjectAsync(write, id, ct) is { } owner)
            {
                await ContraindicationAsync(write, new SafetyTrigger($"Condition/{id}", owner, null, Stored(write)), null, ct);
            }

            return;
        }

        var reference = $"{resource.TypeName}/{id}";
        var db = write.Rest.Database;
        switch (resource)
        {
            case Observation observation when Counts(observation) && Patient(observation.Subject) is { } patient:
                var when = When(observation.Effective) ?? Stored(write);
                var findings = new List<SafetyFinding>();
                findings.AddRange(VitalSignRules.Evaluate(observation, await thresholds.GetAsync(db, ct), SessionLinker.PhaseOf(observation)));
                if (SuicidalIdeationRule.Evaluate(observation) is { } item9)
                {
                    findings.Add(item9);
                }

                await ApplyAsync(write, new SafetyTrigger(reference, patient, Local(observation.Encounter), when), findings, ct);
                if (DischargeRule.Concerns(observation))
                {
                    await DischargeAsync(write, reference, patient, SessionOf(observation.Encounter), when, ct);
                }

                break;
            case QuestionnaireResponse response when Patient(response.Subject) is { } patient:
                var authored = When(response.AuthoredElement) ?? Stored(write);
                if (SuicidalIdeationRule.Evaluate(response) is { } si)
                {
                    await ApplyAsync(write, new SafetyTrigger(reference, patient, Local(response.Encounter), authored), [si], ct);
                }

                if (DischargeRule.Concerns(response))
                {
                    await DischargeAsync(write, reference, patient, SessionOf(response.Encounter), authored, ct);
                }

                break;
            case MedicationAdministration administration when Patient(administration.Subject) is { } patient
                && administration.Status is not (MedicationAdministration.MedicationAdministrationStatusCodes.EnteredInError or MedicationAdministration.MedicationAdministrationStatusCodes.NotDone):
                // The weight must precede the start; the finding dates from when the dose was complete (the pump stopped).
                var start = When(administration.Effective) ?? Stored(write);
                var end = administration.Effective is Period { EndElement: { } e } && e.TryToDateTimeOffset(out var stopped) ? stopped : start;
                await ApplyAsync(write, new SafetyTrigger(reference, patient, Local(administration.Context), end),
                    await doses.EvaluateAsync(db, administration, patient, start, ct), ct);
                if (DoseRules.IsKetamine(administration))
                {
                    await ContraindicationAsync(write, new SafetyTrigger(reference, patient, Local(administration.Context), Stored(write)), null, ct);
                }

                break;
            case Procedure procedure when Patient(procedure.Subject) is { } patient && ContraindicationRule.IsInfusion(procedure):
                await ContraindicationAsync(write, new SafetyTrigger(reference, patient, Local(procedure.Encounter), Stored(write)), null, ct);
                break;
            case CarePlan plan when Patient(plan.Subject) is { } patient && ContraindicationRule.IsActivePlan(plan):
                await ContraindicationAsync(write, new SafetyTrigger(reference, patient, null, Stored(write)), null, ct);
                break;
            case Encounter encounter when Patient(encounter.Subject) is { } patient && ContraindicationRule.IsSession(encounter):
                if (ContraindicationRule.IsOngoingSession(encounter))
                {
                    await ContraindicationAsync(write, new SafetyTrigger(reference, patient, reference, Stored(write)), null, ct);
                }

                await DischargeAsync(write, reference, patient, id, Stored(write), ct);
                break;
            case Condition condition when Patient(condition.Subject) is { } patient:
                await ContraindicationAsync(write, new SafetyTrigger(reference, patient, Local(condition.Encounter), Stored(write)), reference, ct);
                break;
        }
    }

    /// <summary>
    /// For an Observation only the discharge rule reads other Observations (the session's evidence); the vital-sign and
    /// item-9 rules read the thresholds and the Flags. The rules of the other types are not looked into here: true.
    /// </summary>
    public ValueTask<bool> ReadsOthersOfItsTypeAsync(FhirRequest request, Resource resource, CancellationToken ct) =>
        ValueTask.FromResult(options.Value.Enabled && !request.Access.IsHistoricalImport
            && (resource is not Observation observation || DischargeRule.Concerns(observation)));

    private async Task ApplyAsync(WriteEvent write, SafetyTrigger trigger, IReadOnlyList<SafetyFinding> findings, CancellationToken ct)
    {
        if (findings.Count > 0)
        {
            await ledger.ApplyAsync(write, trigger, findings, ct);
        }
    }

    /// <summary>
    /// contra-history for a treatment write (<paramref name="condition"/> null) or a Condition write (its reference). A
    /// ValueSet the terminology service cannot use leaves the write standing with a warning that the rule was not run.
    /// </summary>
    private async Task ContraindicationAsync(WriteEvent write, SafetyTrigger trigger, string? condition, CancellationToken ct)
    {
        SafetyFinding? finding;
        try
        {
            finding = trigger.Reference.StartsWith("Condition/", StringComparison.Ordinal)
                ? await contraindications.EvaluateConditionAsync(write.Rest.Database, condition, trigger.PatientId, ct)
                : await contraindications.EvaluateTreatmentAsync(write.Rest.Database, trigger.PatientId, ct);
        }
        catch (FhirException e)
        {
            var rule = SafetyRule.For("contra-history");
            write.Issues.Add(new OperationOutcome.IssueComponent
            {
                Severity = OperationOutcome.IssueSeverity.Warning,
                Code = OperationOutcome.IssueType.NotSupported,
                Details = new CodeableConcept(SafetyRule.CodeSystem, rule.Id, rule.Display),
                Diagnostics = $"Safety rule {rule.Id} was not checked: {e.Outcome.Issue.FirstOrDefault()?.Diagnostics ?? e.Message}",
            });
            return;
        }

        if (finding is not null)
        {
            // A Condition raised during a session belongs to it.
            var encounter = trigger.Encounter ?? finding.Implicated.FirstOrDefault(r => r.StartsWith("Encounter/", StringComparison.Ordinal));
            await ledger.ApplyAsync(write, trigger with { Encounter = encounter }, [finding], ct);
        }
    }

    /// <summary>
    /// discharge for the session <paramref name="encounterId"/> (or, when null, the patient's Encounter covering
    /// <paramref name="when"/>): dated at the discharge for a breach, at the write for evidence recorded after it.
    /// </summary>
    private async Task DischargeAsync(WriteEvent write, string reference, string patient, string? encounterId, DateTimeOffset when, CancellationToken ct)
    {
        var db = write.Rest.Database;
        encounterId ??= await SessionLinker.CoveringEncounterAsync(db, patient, when, ct);
        if (encounterId is null || await discharges.LoadAsync(db, patient, encounterId, ct) is not { } session
            || DischargeRule.Evaluate(session, await thresholds.GetAsync(db, ct), options.Value) is not { } finding)
        {
            return;
        }

        var stored = Stored(write);
        var at = finding.Breached && DischargeRule.Discharged(session)?.When is { } discharged && discharged < stored ? discharged : stored;
        await ledger.ApplyAsync(write, new SafetyTrigger(reference, patient, $"Encounter/{encounterId}", at), [finding], ct);
    }

    /// <summary>The patient of a deleted resource, from the version before the deletion.</summary>
    private async Task<string?> DeletedSubjectAsync(WriteEvent write, string id, CancellationToken ct)
    {
        var previous = write.Written.VersionId - 1;
        var json = await write.Rest.Database.Versions.AsNoTracking()
            .Where(v => v.Type == write.Written.ResourceType && v.LogicalId == id && v.VersionId == previous && !v.IsDeleted)
            .Select(v => v.Json)
            .FirstOrDefaultAsync(ct);
        return json is not null && fhir.ParseStored(json) is Condition condition ? Patient(condition.Subject) : null;
    }

    /// <summary>The Encounter id of a local <c>Encounter/{id}</c> reference, else null.</summary>
    private static string? SessionOf(ResourceReference? encounter) =>
        Local(encounter) is { } local && local.StartsWith("Encounter/", StringComparison.Ordinal) ? local["Encounter/".Length..] : null;

    private static bool Counts(Observation observation) =>
        observation.Status is not (ObservationStatus.EnteredInError or ObservationStatus.Cancelled or ObservationStatus.Registered);

    /// <summary>The id of a local Patient reference (<c>Patient/1</c>, <c>Patient/1/_history/2</c>), else null.</summary>
    internal static string? Patient(ResourceReference? reference) =>
        Local(reference) is { } local && local.StartsWith("Patient/", StringComparison.Ordinal) ? local["Patient/".Length..] : null;

    /// <summary>A local reference as <c>Type/id</c> (no history part), else null.</summary>
    internal static string? Local(ResourceReference? reference)
    {
        var parts = reference?.Reference?.Split('/');
        return parts is { Length: 2 or 4 } && parts[0].Length > 0 && char.IsAsciiLetterUpper(parts[0][0]) && parts[1].Length > 0
            && (parts.Length == 2 || parts[2] == "_history")
            ? $"{parts[0]}/{parts[1]}"
            : null;
    }

    private static DateTimeOffset Stored(WriteEvent write) =>
        new(DateTime.SpecifyKind(write.Written.LastUpdated ?? DateTime.UtcNow, DateTimeKind.Utc));

    internal static DateTimeOffset? When(DataType? effective) => effective switch
    {
        FhirDateTime dateTime when dateTime.TryToDateTimeOffset(out var at) => at,
        Instant { Value: { } at } => at,
        Period { StartElement: { } start } when start.TryToDateTimeOffset(out var at) => at,
        _ => null,
    };
}
