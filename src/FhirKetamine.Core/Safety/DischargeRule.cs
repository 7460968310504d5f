using System.Globalization;

using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Storage;

using Hl7.Fhir.Model;

using Microsoft.EntityFrameworkCore;

namespace FhirKetamine.Core.Safety;

/// <summary>
/// Rule <c>discharge</c> (DOMAIN.md §4/§5; US ketamine label: outpatients are released only after recovery and with a
/// responsible adult): a session is discharged — its Encounter <c>finished</c>, or given a <c>period.end</c> while
/// under way, or a <c>discharge-ready</c> = true recorded — while the session's latest modified Aldrete total is
/// missing or critical, or its latest <c>companion-present</c> is missing or false. The evidence is the session's
/// Observations of <c>CS/ketamine-observation</c> (<c>aldrete-total</c>, <c>companion-present</c>,
/// <c>discharge-ready</c>) and its IG <c>discharge-checklist</c> QuestionnaireResponses (items of the same linkIds),
/// by their <c>encounter</c>, or without one by time within the Encounter's period. The Aldrete limit is data: the
/// critical intervals of the stored ObservationDefinitions for <c>aldrete-total</c> naming rule <c>discharge</c>
/// (the IG's: ≤ 8), else <see cref="SafetyOptions.DischargeMinAldrete"/>. One Flag per session (scope = the
/// Encounter id); evidence recorded after the discharge that meets both criteria closes it.
/// </summary>
public sealed class DischargeRule(FhirSerialization fhir)
{
    public const string ObservationSystem = "http://fhir-ketamine.org/fhir/CodeSystem/ketamine-observation";
    public const string Aldrete = "aldrete-total";
    public const string Companion = "companion-present";
    public const string Ready = "discharge-ready";
    public const string Checklist = "http://fhir-ketamine.org/fhir/Questionnaire/discharge-checklist";

    private static readonly string[] Items = [Aldrete, Companion, Ready];

    private static SafetyRule Rule => SafetyRule.For("discharge");

    /// <summary>An Observation that is discharge evidence (Aldrete total, companion present, discharge ready).</summary>
    public static bool Concerns(Observation observation) => ItemOf(observation) is not null;

    /// <summary>A QuestionnaireResponse to the IG's discharge checklist.</summary>
    public static bool Concerns(QuestionnaireResponse response) =>
        response.Questionnaire is { } q && (q == Checklist || q.StartsWith(Checklist + "|", StringComparison.Ordinal));

    /// <summary>The session Encounter <paramref name="encounterId"/> of <paramref name="patient"/> with its discharge evidence; null if it is no session of the patient.</summary>
    public async Task<DischargeSession?> LoadAsync(FhirDbContext db, string patient, string encounterId, CancellationToken ct)
    {
        var json = await db.Resources.AsNoTracking()
            .Where(r => r.Type == "Encounter" && r.LogicalId == encounterId && !r.IsDeleted)
            .Select(r => db.Versions.Where(v => v.ResourceKey == r.Key && v.VersionId == r.VersionId).Select(v => v.Json).First())
            .FirstOrDefaultAsync(ct);
        if (json is null || fhir.ParseStored(json) is not Encounter encounter || !ContraindicationRule.IsSession(encounter)
            || SafetyHook.Patient(encounter.Subject) != patient)
        {
            return null;
        }

        var start = encounter.Period?.StartElement is { } s && s.TryToDateTimeOffset(out var from) ? from : (DateTimeOffset?)null;
        var end = encounter.Period?.EndElement is { } e && e.TryToDateTimeOffset(out var to) ? to : (DateTimeOffset?)null;
        // Evidence taken a day before the session began belongs to another one; the bound keeps a long history out of the read.
        var since = start?.AddDays(-1).UtcDateTime;
        var rows = await (from x in db.ReferenceIndex
                          where (x.ResourceType == "Observation" || x.ResourceType == "QuestionnaireResponse")
                              && x.ParamName == "subject" && x.TargetType == "Patient" && x.TargetId == patient
                          join d in db.DateIndex on x.ResourceKey equals d.ResourceKey
                          where (d.ParamName == "date" || d.ParamName == "authored") && (since == null || d.End >= since)
                          join r in db.Resources on x.ResourceKey equals r.Key
                          where !r.IsDeleted
                              && (r.Type == "QuestionnaireResponse"
                                  || db.TokenIndex.Any(t => t.ResourceKey == r.Key && t.ParamName == "code" && t.System == ObservationSystem && Items.Contains(t.Code)))
                          select new
                          {
                              r.Type,
                              r.LogicalId,
                              Json = db.Versions.Where(v => v.ResourceKey == r.Key && v.VersionId == r.VersionId).Select(v => v.Json).First(),
                          })
            .ToListAsync(ct);

        bool InSession(ResourceReference? reference, DateTimeOffset? when) =>
            SafetyHook.Local(reference) is { } local
                ? local == $"Encounter/{encounterId}"
                : when is { } at && (start is null || at >= start) && (end is null || at <= end);

        var readings = new List<DischargeReading>();
        foreach (var row in rows.DistinctBy(r => (r.Type, r.LogicalId)))
        {
            var source = $"{row.Type}/{row.LogicalId}";
            switch (fhir.ParseStored(row.Json))
            {
                case Observation observation when observation.Status is not (ObservationStatus.EnteredInError or ObservationStatus.Cancelled)
                    && ItemOf(observation) is { } item && observation.Value is { } value
                    && SafetyHook.When(observation.Effective) is { } at && InSession(observation.Encounter, at):
                    readings.Add(new DischargeReading(item, value, at, source));
                    break;
                case QuestionnaireResponse response when Concerns(response)
                    && response.Status is QuestionnaireResponse.QuestionnaireResponseStatus.Completed or QuestionnaireResponse.QuestionnaireResponseStatus.Amended
                    && SafetyHook.When(response.AuthoredElement) is { } authored && InSession(response.Encounter, authored):
                    readings.AddRange(Items
                        .Select(linkId => (linkId, Answer: QuestionnaireItems.Find(response.Item, linkId)?.Answer.FirstOrDefault()?.Value))
                        .Where(a => a.Answer is not null)
                        .Select(a => new DischargeReading(a.linkId, a.Answer!, authored, source)));
                    break;
            }
        }

        return new DischargeSession(encounterId, encounter, readings);
    }

    /// <summary>Whether and when the session was discharged: null while it is not.</summary>
    public static (string Why, DateTimeOffset? When)? Discharged(DischargeSession session)
    {
        var encounter = session.Encounter;
        var end = encounter.Period?.EndElement is { } e && e.TryToDateTimeOffset(out var ended) ? ended : (DateTimeOffset?)null;
        if (encounter.Status == Encounter.EncounterStatus.Finished)
        {
            return ($"Encounter/{session.EncounterId} finished", end);
        }

        if (end is not null && encounter.Status is Encounter.EncounterStatus.Arrived or Encounter.EncounterStatus.Triaged
            or Encounter.EncounterStatus.InProgress or Encounter.EncounterStatus.Onleave)
        {
            return ($"Encounter/{session.EncounterId} ended", end);
        }

        return Latest(session, Ready) is { Value: FhirBoolean { Value: true } } ready
            ? ($"discharge-ready recorded in {ready.Source}", ready.When)
            : null;
    }

    /// <summary>The verdict on a session: null while it is not discharged; breached naming what is missing; else met.</summary>
    public static SafetyFinding? Evaluate(DischargeSession session, ThresholdSet thresholds, SafetyOptions options)
    {
        if (Discharged(session) is not { } discharged)
        {
            return null;
        }

        var problems = new List<string>();
        var met = new List<string>();
        var evidence = new List<string> { $"Encounter/{session.EncounterId}" };
        var aldrete = Latest(session, Aldrete);
        var score = aldrete?.Value switch
        {
            Integer { Value: { } n } => n,
            Quantity { Value: { } q } => q,
            FhirDecimal { Value: { } d } => d,
            _ => (decimal?)null,
        };
        if (aldrete is null || score is null)
        {
            problems.Add("no modified Aldrete score recorded");
        }
        else
        {
            evidence.Add(aldrete.Source);
            var limits = thresholds.For(ObservationSystem, Aldrete).Where(t => t.Rule == Rule.Id).ToList();
            var critical = limits.Count > 0
                ? limits.FirstOrDefault(t => t.Contains(score.Value)) is { } t ? $"critical {t.Describe()}, {t.Definition}" : null
                : score < options.DischargeMinAldrete ? $"below {options.DischargeMinAldrete}, Safety:DischargeMinAldrete" : null;
            (critical is null ? met : problems).Add(critical is null
                ? $"modified Aldrete {Format(score.Value)} ({aldrete.Source})"
                : $"modified Aldrete {Format(score.Value)} ({aldrete.Source}; {critical})");
        }

        var companion = Latest(session, Companion);
        if (companion is not null)
        {
            evidence.Add(companion.Source);
        }

        if (companion?.Value is FhirBoolean { Value: true })
        {
            met.Add($"companion present ({companion.Source})");
        }
        else
        {
            problems.Add(companion is null ? "no companion-present recorded" : $"companion-present not true ({companion.Source})");
        }

        var finding = problems.Count > 0
            ? new SafetyFinding(Rule, true, $"{Rule.Display}: {discharged.Why} with {string.Join(" and ", problems)}.")
            : new SafetyFinding(Rule, false, $"{Rule.Display}: now met for Encounter/{session.EncounterId}: {string.Join(", ", met)}.");
        return finding with { Scope = session.EncounterId, Implicated = [$"Encounter/{session.EncounterId}"], Evidence = evidence };
    }

    private static DischargeReading? Latest(DischargeSession session, string item) =>
        session.Readings.Where(r => r.Item == item).OrderBy(r => r.When).ThenBy(r => r.Source, StringComparer.Ordinal).LastOrDefault();

    private static string? ItemOf(Observation observation) =>
        observation.Code?.Coding.FirstOrDefault(c => c.System == ObservationSystem && c.Code is not null && Items.Contains(c.Code))?.Code;

    private static string Format(decimal value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
