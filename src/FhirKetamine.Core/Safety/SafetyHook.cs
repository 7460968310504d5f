using FhirKetamine.Core.Rest;

using Hl7.Fhir.Model;

using Microsoft.Extensions.Options;

namespace FhirKetamine.Core.Safety;

/// <summary>
/// The safety rules of DOMAIN.md §5, run on every stored create and update inside its transaction: vital signs
/// against the ObservationDefinition thresholds, PHQ-9 item 9, and a ketamine administration's dose and rate
/// against the latest body weight. The write always stands (a reading is a fact); a breach adds records and a
/// warning to the response (<see cref="SafetyLedger"/>). A write of an ObservationDefinition changes the
/// thresholds for the next reading.
/// </summary>
public sealed class SafetyHook(SafetyThresholds thresholds, SafetyLedger ledger, DoseRules doses, IOptions<SafetyOptions> options) : IWriteHook
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

        var resource = write.Written.Resource;
        if (resource is null || write.Written.Id is not { } id || write.Request.Access.IsHistoricalImport)
        {
            return;
        }

        var reference = $"{resource.TypeName}/{id}";
        var findings = new List<SafetyFinding>();
        SafetyTrigger? trigger = null;
        switch (resource)
        {
            case Observation observation when Counts(observation) && Patient(observation.Subject) is { } patient:
                trigger = new SafetyTrigger(reference, patient, Local(observation.Encounter), When(observation.Effective) ?? Stored(write));
                findings.AddRange(VitalSignRules.Evaluate(observation, await thresholds.GetAsync(write.Rest.Database, ct), SessionLinker.PhaseOf(observation)));
                if (SuicidalIdeationRule.Evaluate(observation) is { } item9)
                {
                    findings.Add(item9);
                }

                break;
            case QuestionnaireResponse response when Patient(response.Subject) is { } patient && SuicidalIdeationRule.Evaluate(response) is { } si:
                trigger = new SafetyTrigger(reference, patient, Local(response.Encounter), When(response.AuthoredElement) ?? Stored(write));
                findings.Add(si);
                break;
            case MedicationAdministration administration when Patient(administration.Subject) is { } patient
                && administration.Status is not (MedicationAdministration.MedicationAdministrationStatusCodes.EnteredInError or MedicationAdministration.MedicationAdministrationStatusCodes.NotDone):
                // The weight must precede the start; the finding dates from when the dose was complete (the pump stopped).
                var start = When(administration.Effective) ?? Stored(write);
                var end = administration.Effective is Period { EndElement: { } e } && e.TryToDateTimeOffset(out var stopped) ? stopped : start;
                trigger = new SafetyTrigger(reference, patient, Local(administration.Context), end);
                findings.AddRange(await doses.EvaluateAsync(write.Rest.Database, administration, patient, start, ct));
                break;
        }

        if (trigger is not null && findings.Count > 0)
        {
            await ledger.ApplyAsync(write, trigger, findings, ct);
        }
    }

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
