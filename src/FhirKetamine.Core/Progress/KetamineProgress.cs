using System.Globalization;
using System.Net;
using System.Text.Json;

using FhirKetamine.Core.Operations;
using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Smart;
using FhirKetamine.Core.Storage;

using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;

using Microsoft.EntityFrameworkCore;

namespace FhirKetamine.Core.Progress;

/// <summary>
/// <c>$ketamine-progress</c> (the IG's OperationDefinition): one patient's treatment progress as a Parameters
/// resource, computed from the stored data in a few set-based queries, whatever the number of sessions:
/// the patient row; (1) one pass over the patient's Observations with a code of interest as search-index rows
/// (code, time, value), so the heart-rate and SpO2 readings are summarised without being parsed; (2) the clinical
/// resources (infusions, administrations, sessions, plans, flags, detected issues, adverse events, and the PHQ-9,
/// GAD-7, weight and blood-pressure Observations found by the first) with their JSON. Every figure carries the
/// references of the resources it was read from.
/// </summary>
public sealed class KetamineProgress(FhirDbContext db, FhirSerialization fhir, TimeProvider clock)
{
    public const string Name = "$ketamine-progress";
    public const string Definition = "http://fhir-ketamine.org/fhir/OperationDefinition/ketamine-progress";

    private const string Loinc = "http://loinc.org";
    private const string Phq9Total = "44261-6";
    private const string Gad7Total = "70274-6";
    private const string BodyWeight = "29463-7";
    private const string BloodPressure = "85354-9";
    private const string Systolic = "8480-6";
    private const string Diastolic = "8462-4";
    private const string HeartRate = "8867-4";
    private const string InfusionCode = "14152002";
    private const string InfusionNumberUrl = "http://fhir-ketamine.org/fhir/StructureDefinition/infusion-number";
    private const string DosePerKgUrl = "http://fhir-ketamine.org/fhir/StructureDefinition/dose-per-kg";
    private const string TreatmentPhaseUrl = "http://fhir-ketamine.org/fhir/StructureDefinition/treatment-phase";

    private static readonly string[] SpO2 = ["2708-6", "59408-5"];
    private static readonly string[] ObservationCodes = [Phq9Total, Gad7Total, BodyWeight, BloodPressure];
    private static readonly string[] VitalCodes = [HeartRate, .. SpO2];
    private static readonly string[] CodedObservations = [.. ObservationCodes, .. VitalCodes];
    private static readonly string[] RecordTypes = ["Procedure", "MedicationAdministration", "Encounter", "CarePlan", "Flag", "DetectedIssue", "AdverseEvent"];
    private static readonly string[] PatientParameters = ["patient", "subject"];

    public async Task<Parameters> RunAsync(string id, SmartAccess caller, CancellationToken ct)
    {
        var patient = await db.Resources.AsNoTracking().Where(r => r.Type == "Patient" && r.LogicalId == id)
            .Select(r => new { r.IsDeleted }).FirstOrDefaultAsync(ct)
            ?? throw FhirException.NotFound($"Patient/{id} is not known.");
        if (patient.IsDeleted)
        {
            throw new FhirException(HttpStatusCode.Gone, OperationOutcome.IssueType.Deleted, $"Patient/{id} was deleted.");
        }

        var access = PatientAccess.Demand(caller, id);
        var types = RecordTypes.Where(access.CanRead).ToList();
        var observations = access.CanRead("Observation");
        var left = RecordTypes.Prepend("Observation").Where(t => !access.CanRead(t)).ToList();

        // Query 1: one pass over the patient's Observations that carry a code of interest, straight from the search
        // index: (key, code, time, value). The vitals are summarised from these rows, never parsed; the scores, weights
        // and blood pressures are the keys whose JSON query 2 reads. (Two queries used to probe each Observation's
        // code twice: once to pick the record's, once for the readings.)
        var coded = observations
            ? await (from x in db.ReferenceIndex
                     where x.ResourceType == "Observation" && x.ParamName == "subject" && x.TargetType == "Patient" && x.TargetId == id
                     join c in db.TokenIndex on x.ResourceKey equals c.ResourceKey
                     where c.ParamName == "code" && c.System == Loinc
                     join r in db.Resources on x.ResourceKey equals r.Key
                     select new CodedRow(
                         x.ResourceKey,
                         r.LogicalId,
                         c.Code,
                         db.DateIndex.Where(d => d.ResourceKey == x.ResourceKey && d.ParamName == "date").Select(d => (DateTime?)d.Start).FirstOrDefault(),
                         db.QuantityIndex.Where(q => q.ResourceKey == x.ResourceKey && q.ParamName == "value-quantity").Select(q => (double?)q.Value).FirstOrDefault()))
                .ToListAsync(ct)
            : [];

        // The codes of interest are picked here, not in SQL: an IN list in the statement makes SQLite seek the
        // covering (ResourceKey, ParamName, System, Code) index once per listed code for every Observation (9 seeks
        // each), where one range read of the Observation's LOINC codes does (13 ms instead of 20 ms for 5,000 vitals).
        coded.RemoveAll(c => !CodedObservations.Contains(c.Code));
        var recordObservations = coded.Where(c => ObservationCodes.Contains(c.Code)).Select(c => c.Key).Distinct().ToList();

        // Query 2: the clinical record, one row per resource with its current JSON (the other record types by their
        // patient reference, the Observations by the keys of query 1).
        var keys = db.ReferenceIndex
            .Where(x => x.TargetType == "Patient" && x.TargetId == id && PatientParameters.Contains(x.ParamName) && types.Contains(x.ResourceType))
            .Select(x => x.ResourceKey);
        var rows = await WithJson(db.Resources.Where(r => keys.Contains(r.Key))).ToListAsync(ct);
        rows.AddRange(await WithJson(db.Resources.Where(r => recordObservations.Contains(r.Key))).ToListAsync(ct));

        var record = new Record();
        foreach (var row in rows)
        {
            if (row.Type == "Observation" && row.Json.Contains($"\"{BloodPressure}\"", StringComparison.Ordinal))
            {
                // Blood pressure: read with System.Text.Json, components only (the Firely parser is not needed here).
                if (BloodPressureReading.Parse(row.LogicalId, row.Json) is { } bp)
                {
                    record.BloodPressures.Add(bp);
                }

                continue;
            }

            record.Add(fhir.ParseStored(row.Json));
        }

        var sessions = Sessions(record);
        var firstInfusion = sessions.Where(s => s.Start is not null).Select(s => s.Start).Min();

        // Heart rate and SpO2 during the sessions, from query 1's rows.
        var readings = new List<VitalReading>();
        if (sessions.Count > 0)
        {
            var earliest = sessions.Min(s => s.WindowStart).UtcDateTime;
            var latest = sessions.Max(s => s.WindowEnd).UtcDateTime;
            readings = coded
                .Where(c => VitalCodes.Contains(c.Code) && c.Start is { } at && at >= earliest && at <= latest && c.Value is not null)
                .DistinctBy(c => c.Key) // an SpO2 reading carries two of the codes
                .Select(c => new VitalReading(c.LogicalId, c.Code == HeartRate, c.Start!.Value, c.Value!.Value))
                .ToList();
        }

        var output = new Parameters();
        output.Parameter.Add(Part("patient", new ResourceReference($"Patient/{id}")));
        output.Parameter.Add(Part("generated", new FhirDateTime(clock.GetUtcNow())));
        if (observations)
        {
            output.Parameter.Add(Instrument("PHQ-9", Phq9Total, record.Scores(Phq9Total), firstInfusion));
            output.Parameter.Add(Instrument("GAD-7", Gad7Total, record.Scores(Gad7Total), firstInfusion));
        }

        foreach (var session in sessions)
        {
            output.Parameter.Add(SessionPart(session, record, readings));
        }

        foreach (var plan in record.CarePlans.OrderBy(p => p.Period?.Start, StringComparer.Ordinal))
        {
            output.Parameter.Add(PlanPart(plan, sessions));
        }

        if (NextSession(record.CarePlans, sessions) is { } next)
        {
            output.Parameter.Add(next);
        }

        foreach (var adverse in record.AdverseEvents.OrderBy(a => a.Date, StringComparer.Ordinal))
        {
            output.Parameter.Add(AdverseEventPart(adverse));
        }

        if (left.Count > 0)
        {
            output.Parameter.Add(new Parameters.ParameterComponent
            {
                Name = "outcome",
                Resource = Outcomes.Issue(OperationOutcome.IssueSeverity.Warning, OperationOutcome.IssueType.Suppressed,
                    $"Not included, because the access token does not grant reading them: {string.Join(", ", left)}.", null),
            });
        }

        return output;
    }

    private static Parameters.ParameterComponent Instrument(string name, string code, IReadOnlyList<ScoreSeries.Score> scores, DateTimeOffset? firstInfusion)
    {
        var series = new ScoreSeries(scores, firstInfusion);
        var parts = new List<Parameters.ParameterComponent>
        {
            Part("name", new FhirString(name)),
            Part("code", new Coding(Loinc, code)),
        };
        if (series.Baseline is { } baseline)
        {
            parts.Add(Group("baseline", [Part("date", new FhirDateTime(baseline.Effective)), Part("score", new Integer(baseline.Value)), Source("Observation", baseline.Id)]));
        }

        foreach (var score in series.Scores)
        {
            var scoreParts = new List<Parameters.ParameterComponent> { Part("date", new FhirDateTime(score.Effective)), Part("score", new Integer(score.Value)) };
            if (series.ChangePoints(score) is { } points)
            {
                scoreParts.Add(Part("changePoints", new Integer(points)));
            }

            if (series.ChangePercent(score) is { } percent)
            {
                scoreParts.Add(Part("changePercent", new FhirDecimal(percent)));
            }

            scoreParts.Add(Source("Observation", score.Id));
            parts.Add(Group("score", scoreParts));
        }

        var why = series.NotEvaluable(firstInfusion is not null);
        parts.Add(Status("response", series.ResponseStatus, series.FirstResponse, why));
        parts.Add(Status("remission", series.RemissionStatus, series.FirstRemission, why is null || series.Latest is not null ? null : why));
        return Group("instrument", parts);
    }

    private static Parameters.ParameterComponent Status(string name, string status, ScoreSeries.Score? first, string? why)
    {
        var parts = new List<Parameters.ParameterComponent> { Part("status", new Code(status)) };
        if (first is not null)
        {
            parts.Add(Part("firstReached", new FhirDateTime(first.Effective)));
            parts.Add(Source("Observation", first.Id));
        }

        if (why is not null && status == "not-evaluable")
        {
            parts.Add(Part("reason", new FhirString(why)));
        }

        return Group(name, parts);
    }

    private static Parameters.ParameterComponent SessionPart(Session session, Record record, IReadOnlyList<VitalReading> readings)
    {
        var procedure = session.Procedure;
        var parts = new List<Parameters.ParameterComponent>();
        if (session.Number is { } number)
        {
            parts.Add(Figure("infusionNumber", new PositiveInt(number), Ref(procedure)));
        }

        if (session.StartText is { } start)
        {
            parts.Add(Figure("date", new FhirDateTime(start), Ref(procedure)));
        }

        parts.Add(Part("status", new Code(procedure.Status?.GetLiteral() ?? "unknown")));
        parts.Add(Part("procedure", new ResourceReference(Ref(procedure))));
        if (session.Encounter is { } encounter)
        {
            parts.Add(Part("encounter", new ResourceReference(Ref(encounter))));
        }

        if (session.PlanReference is { } plan)
        {
            parts.Add(Part("carePlan", new ResourceReference(plan)));
        }

        if (session.Administration is { } administration)
        {
            var source = Ref(administration);
            var dosage = administration.Dosage;
            if (dosage?.Dose is { } dose)
            {
                parts.Add(Figure("doseMg", Copy(dose), source));
            }

            if (dosage?.Extension.FirstOrDefault(e => e.Url == DosePerKgUrl)?.Value is Quantity perKg)
            {
                parts.Add(Figure("dosePerKg", Copy(perKg), source));
            }

            if (dosage?.Dose is { Value: { } mg, Code: "mg" } && Weight(record, administration) is var (weightId, kg) && kg > 0)
            {
                parts.Add(Figure("administeredMgPerKg", Ucum(Math.Round(mg / kg, 3, MidpointRounding.AwayFromZero), "mg/kg"), source, $"Observation/{weightId}"));
                parts.Add(Figure("bodyWeight", Ucum(kg, "kg"), $"Observation/{weightId}"));
            }

            if (administration.Effective is Period { Start: { } from, End: { } until } && When(from) is { } a && When(until) is { } b)
            {
                parts.Add(Figure("durationMinutes", new FhirDecimal((decimal)Math.Round((b - a).TotalMinutes, 1)), source));
            }

            switch (dosage?.Rate)
            {
                case Quantity rate:
                    parts.Add(Figure("rate", Copy(rate), source));
                    break;
                case Ratio ratio:
                    parts.Add(Figure("rateRatio", (Ratio)ratio.DeepCopy(), source));
                    break;
            }

            parts.Add(Part("administrationStatus", new Code(administration.Status?.GetLiteral() ?? "unknown")));
        }

        parts.Add(VitalsPart(session, record, readings));
        var ids = SessionResourceIds(session, record, readings);
        foreach (var flag in record.Flags.Where(f => InSession(session, f.Encounter, f.Period?.Start, ids, [])))
        {
            parts.Add(Part("flag", new ResourceReference(Ref(flag))));
        }

        foreach (var issue in record.DetectedIssues.Where(d => InSession(session, null, d.Identified is FhirDateTime t ? t.Value : (d.Identified as Period)?.Start, ids, d.Implicated)))
        {
            parts.Add(Part("detectedIssue", new ResourceReference(Ref(issue))));
        }

        return Group("session", parts);
    }

    private static Parameters.ParameterComponent VitalsPart(Session session, Record record, IReadOnlyList<VitalReading> readings)
    {
        var parts = new List<Parameters.ParameterComponent>();
        var pressures = record.BloodPressures.Where(b => session.Contains(b.When)).ToList();
        if (pressures.Where(p => p.Systolic is not null).MaxBy(p => p.Systolic) is { } sys)
        {
            parts.Add(Figure("maxSystolic", Ucum(sys.Systolic!.Value, "mm[Hg]"), $"Observation/{sys.Id}"));
        }

        if (pressures.Where(p => p.Diastolic is not null).MaxBy(p => p.Diastolic) is { } dia)
        {
            parts.Add(Figure("maxDiastolic", Ucum(dia.Diastolic!.Value, "mm[Hg]"), $"Observation/{dia.Id}"));
        }

        var inSession = readings.Where(r => session.Contains(new DateTimeOffset(DateTime.SpecifyKind(r.When, DateTimeKind.Utc)))).ToList();
        var heart = inSession.Where(r => r.IsHeartRate).ToList();
        if (heart.MaxBy(r => r.Value) is { } maxHr)
        {
            parts.Add(Figure("maxHeartRate", Ucum((decimal)maxHr.Value, "/min"), $"Observation/{maxHr.Id}"));
        }

        if (heart.MinBy(r => r.Value) is { } minHr)
        {
            parts.Add(Figure("minHeartRate", Ucum((decimal)minHr.Value, "/min"), $"Observation/{minHr.Id}"));
        }

        if (inSession.Where(r => !r.IsHeartRate).MinBy(r => r.Value) is { } minSpO2)
        {
            parts.Add(Figure("minSpO2", Ucum((decimal)minSpO2.Value, "%"), $"Observation/{minSpO2.Id}"));
        }

        parts.Add(Part("readings", new Integer(pressures.Count + inSession.Count)));
        return Group("vitals", parts);
    }

    private static HashSet<string> SessionResourceIds(Session session, Record record, IReadOnlyList<VitalReading> readings)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal) { Ref(session.Procedure) };
        if (session.Encounter is { } encounter)
        {
            ids.Add(Ref(encounter));
        }

        if (session.Administration is { } administration)
        {
            ids.Add(Ref(administration));
        }

        ids.UnionWith(record.BloodPressures.Where(b => session.Contains(b.When)).Select(b => $"Observation/{b.Id}"));
        ids.UnionWith(readings.Where(r => session.Contains(new DateTimeOffset(DateTime.SpecifyKind(r.When, DateTimeKind.Utc)))).Select(r => $"Observation/{r.Id}"));
        return ids;
    }

    /// <summary>A Flag or DetectedIssue belongs to a session when it names the session's encounter or one of its resources, or starts within it.</summary>
    private static bool InSession(Session session, ResourceReference? encounter, string? start, HashSet<string> ids, IEnumerable<ResourceReference> implicated) =>
        (encounter?.Reference is { } e && ids.Contains(e))
        || implicated.Any(i => i.Reference is { } r && ids.Contains(r))
        || (start is not null && When(start) is { } t && session.Contains(t));

    private static Parameters.ParameterComponent PlanPart(CarePlan plan, IReadOnlyList<Session> sessions)
    {
        var reference = Ref(plan);
        var parts = new List<Parameters.ParameterComponent>
        {
            Part("carePlan", new ResourceReference(reference)),
            Part("status", new Code(plan.Status?.GetLiteral() ?? "unknown")),
        };
        if (plan.Extension.FirstOrDefault(e => e.Url == TreatmentPhaseUrl)?.Value is Code phase)
        {
            parts.Add(Part("phase", new Code(phase.Value)));
        }

        if (InfusionActivity(plan)?.Detail?.Scheduled is Timing { Repeat.Count: { } planned })
        {
            parts.Add(Figure("planned", new Integer(planned), reference));
        }

        var completed = sessions.Where(s => s.PlanReference == reference && s.Procedure.Status == EventStatus.Completed).ToList();
        parts.Add(Group("completed", [Part("value", new Integer(completed.Count)), .. completed.Select(s => Source(Ref(s.Procedure)))]));
        return Group("plan", parts);
    }

    /// <summary>
    /// The next planned infusion of the active plans: the first Timing event after the plan's last session, or the last
    /// session (the plan's start when none) plus the repeat interval (period / frequency), unless the planned count is reached.
    /// </summary>
    private Parameters.ParameterComponent? NextSession(IEnumerable<CarePlan> plans, IReadOnlyList<Session> sessions)
    {
        (DateTimeOffset When, string Text, string Plan)? next = null;
        foreach (var plan in plans.Where(p => p.Status == RequestStatus.Active))
        {
            var reference = Ref(plan);
            if (InfusionActivity(plan) is not { Detail: { } detail }
                || detail.Status is CarePlan.CarePlanActivityStatus.Completed or CarePlan.CarePlanActivityStatus.Cancelled
                    or CarePlan.CarePlanActivityStatus.Stopped or CarePlan.CarePlanActivityStatus.EnteredInError)
            {
                continue;
            }

            var done = sessions.Where(s => s.PlanReference == reference && s.Start is not null).OrderBy(s => s.Start).ToList();
            var last = done.LastOrDefault();
            (DateTimeOffset, string)? candidate = null;
            switch (detail.Scheduled)
            {
                case Timing timing when timing.EventElement.Count > 0:
                    candidate = timing.EventElement.Select(e => e.Value is { } v && When(v) is { } w ? (w, v) : ((DateTimeOffset, string)?)null)
                        .OfType<(DateTimeOffset, string)>()
                        .Where(e => last?.Start is not { } after || e.Item1 > after)
                        .OrderBy(e => e.Item1)
                        .Select(e => ((DateTimeOffset, string)?)e)
                        .FirstOrDefault();
                    break;
                case Timing { Repeat: { } repeat } when repeat.Count is not { } count || done.Count < count:
                    var from = last?.Start ?? (plan.Period?.Start is { } s ? When(s) : null);
                    if (from is { } origin && Interval(repeat) is { } interval)
                    {
                        var at = last is null ? origin : origin + interval;
                        candidate = (at, at.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                    }

                    break;
                case Period { Start: { } start } when done.Count == 0 && When(start) is { } w:
                    candidate = (w, start);
                    break;
            }

            if (candidate is { } c && (next is null || c.Item1 < next.Value.When))
            {
                next = (c.Item1, c.Item2, reference);
            }
        }

        if (next is not { } n)
        {
            return null;
        }

        return Group("nextSession",
        [
            Part("date", new FhirDateTime(n.Text)),
            Part("overdue", new FhirBoolean(n.When < clock.GetUtcNow())),
            Source(n.Plan),
        ]);
    }

    private static TimeSpan? Interval(Timing.RepeatComponent repeat)
    {
        if (repeat.Period is not { } period || period <= 0)
        {
            return null;
        }

        var unit = repeat.PeriodUnit switch
        {
            Timing.UnitsOfTime.S => TimeSpan.FromSeconds(1),
            Timing.UnitsOfTime.Min => TimeSpan.FromMinutes(1),
            Timing.UnitsOfTime.H => TimeSpan.FromHours(1),
            Timing.UnitsOfTime.D => TimeSpan.FromDays(1),
            Timing.UnitsOfTime.Wk => TimeSpan.FromDays(7),
            Timing.UnitsOfTime.Mo => TimeSpan.FromDays(30),
            Timing.UnitsOfTime.A => TimeSpan.FromDays(365),
            _ => (TimeSpan?)null,
        };
        return unit is { } u ? u * (double)period / Math.Max(1, repeat.Frequency ?? 1) : null;
    }

    private static CarePlan.ActivityComponent? InfusionActivity(CarePlan plan) =>
        plan.Activity.FirstOrDefault(a => a.Detail?.Code?.Coding.Any(c => c.Code == InfusionCode) == true);

    private static Parameters.ParameterComponent AdverseEventPart(AdverseEvent adverse)
    {
        var parts = new List<Parameters.ParameterComponent>();
        if (adverse.Date is { } date)
        {
            parts.Add(Part("date", new FhirDateTime(date)));
        }

        if (adverse.Event is { } what)
        {
            parts.Add(Part("event", (CodeableConcept)what.DeepCopy()));
        }

        if (adverse.Seriousness is { } seriousness)
        {
            parts.Add(Part("seriousness", (CodeableConcept)seriousness.DeepCopy()));
        }

        if (adverse.Encounter?.Reference is { } encounter)
        {
            parts.Add(Part("encounter", new ResourceReference(encounter)));
        }

        parts.Add(Source(Ref(adverse)));
        return Group("adverseEvent", parts);
    }

    /// <summary>The infusions (Procedures coded 14152002 or carrying an infusion number), each with its session and administration.</summary>
    private static List<Session> Sessions(Record record)
    {
        var sessions = new List<Session>();
        foreach (var procedure in record.Procedures)
        {
            var number = procedure.Extension.FirstOrDefault(e => e.Url == InfusionNumberUrl)?.Value is PositiveInt { Value: { } n } ? n : (int?)null;
            if (number is null && procedure.Code?.Coding.Any(c => c.Code == InfusionCode) != true)
            {
                continue;
            }

            var reference = Ref(procedure);
            var encounter = procedure.Encounter?.Reference is { } e ? record.Encounters.FirstOrDefault(x => Ref(x) == e) : null;
            var administration = record.Administrations.FirstOrDefault(a => a.PartOf.Any(p => p.Reference == reference));
            var performed = procedure.Performed as Period;
            var startText = performed?.Start ?? (procedure.Performed as FhirDateTime)?.Value;
            var start = startText is null ? null : When(startText);
            var end = performed?.End is { } pe ? When(pe) : null;
            var windowStart = encounter?.Period?.Start is { } es && When(es) is { } ws ? ws : start;
            var windowEnd = encounter?.Period?.End is { } ee && When(ee) is { } we ? we : end ?? start?.AddHours(4);
            if (windowStart is null || windowEnd is null)
            {
                continue;
            }

            var plan = procedure.BasedOn.Select(b => b.Reference).FirstOrDefault(r => r?.StartsWith("CarePlan/", StringComparison.Ordinal) == true);
            sessions.Add(new Session(procedure, number, startText, start, windowStart.Value, windowEnd.Value, encounter, administration, plan));
        }

        return sessions.OrderBy(s => s.Start).ThenBy(s => s.Number).ToList();
    }

    private static (string Id, decimal Kg)? Weight(Record record, MedicationAdministration administration)
    {
        foreach (var info in administration.SupportingInformation)
        {
            if (info.Reference is { } r && record.Weights.FirstOrDefault(w => Ref(w) == r) is { Value: Quantity { Value: { } value } quantity } weight)
            {
                var kg = quantity.Code switch
                {
                    "kg" => value,
                    "g" => value / 1000m,
                    "[lb_av]" => value * 0.45359237m,
                    _ => (decimal?)null,
                };
                if (kg is { } k)
                {
                    return (weight.Id!, k);
                }
            }
        }

        return null;
    }

    internal static DateTimeOffset? When(string value) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when) ? when : null;

    private static string Ref(Resource resource) => $"{resource.TypeName}/{resource.Id}";

    private static Quantity Copy(Quantity quantity) => (Quantity)quantity.DeepCopy();

    private static Quantity Ucum(decimal value, string code) => new() { Value = value, System = "http://unitsofmeasure.org", Code = code, Unit = code };

    private static Parameters.ParameterComponent Part(string name, DataType value) => new() { Name = name, Value = value };

    private static Parameters.ParameterComponent Group(string name, IEnumerable<Parameters.ParameterComponent> parts) => new() { Name = name, Part = parts.ToList() };

    private static Parameters.ParameterComponent Source(string type, string id) => Source($"{type}/{id}");

    private static Parameters.ParameterComponent Source(string reference) => Part("source", new ResourceReference(reference));

    /// <summary>A figure: its value and the resources it was read from.</summary>
    private static Parameters.ParameterComponent Figure(string name, DataType value, params string[] sources) =>
        Group(name, [Part("value", value), .. sources.Select(Source)]);

    /// <summary>One infusion session: the Procedure, and the window whose readings count (the Encounter's period, else the infusion's).</summary>
    private sealed record Session(
        Procedure Procedure, int? Number, string? StartText, DateTimeOffset? Start, DateTimeOffset WindowStart, DateTimeOffset WindowEnd,
        Encounter? Encounter, MedicationAdministration? Administration, string? PlanReference)
    {
        public bool Contains(DateTimeOffset when) => when >= WindowStart && when <= WindowEnd;
    }

    /// <summary>A heart-rate or SpO2 reading from the index: the Observation id, its time (UTC) and its value.</summary>
    private sealed record VitalReading(string Id, bool IsHeartRate, DateTime When, double Value);

    /// <summary>An Observation of the patient with one of the codes of interest, as its search-index rows give it.</summary>
    private sealed record CodedRow(long Key, string LogicalId, string Code, DateTime? Start, double? Value);

    private IQueryable<StoredRow> WithJson(IQueryable<ResourceRow> resources) =>
        resources.AsNoTracking().Where(r => !r.IsDeleted).Select(r => new StoredRow(
            r.Type, r.LogicalId, db.Versions.Where(v => v.ResourceKey == r.Key && v.VersionId == r.VersionId).Select(v => v.Json).First()));

    private sealed record StoredRow(string Type, string LogicalId, string Json);

    /// <summary>The patient's record as loaded by query 1, sorted by kind.</summary>
    private sealed class Record
    {
        private readonly List<Observation> _observations = [];

        public List<Procedure> Procedures { get; } = [];

        public List<MedicationAdministration> Administrations { get; } = [];

        public List<Encounter> Encounters { get; } = [];

        public List<CarePlan> CarePlans { get; } = [];

        public List<Flag> Flags { get; } = [];

        public List<DetectedIssue> DetectedIssues { get; } = [];

        public List<AdverseEvent> AdverseEvents { get; } = [];

        public List<BloodPressureReading> BloodPressures { get; } = [];

        public IEnumerable<Observation> Weights => _observations.Where(o => HasCode(o, BodyWeight));

        public void Add(Resource resource)
        {
            switch (resource)
            {
                case Procedure p: Procedures.Add(p); break;
                case MedicationAdministration m: Administrations.Add(m); break;
                case Encounter e: Encounters.Add(e); break;
                case CarePlan c: CarePlans.Add(c); break;
                case Flag f: Flags.Add(f); break;
                case DetectedIssue d: DetectedIssues.Add(d); break;
                case AdverseEvent a: AdverseEvents.Add(a); break;
                case Observation o when o.Status is not (ObservationStatus.EnteredInError or ObservationStatus.Cancelled): _observations.Add(o); break;
            }
        }

        public IReadOnlyList<ScoreSeries.Score> Scores(string code) =>
            _observations.Where(o => HasCode(o, code))
                .Select(o => (o.Id, Effective: o.Effective is FhirDateTime dt ? dt.Value : (o.Effective as Period)?.Start, Total: (o.Value as Integer)?.Value))
                .Where(x => x.Id is not null && x.Total is not null && x.Effective is not null && When(x.Effective) is not null)
                .Select(x => new ScoreSeries.Score(x.Id!, x.Effective!, When(x.Effective!)!.Value, x.Total!.Value))
                .ToList();

        private static bool HasCode(Observation o, string code) => o.Code?.Coding.Any(c => c.System == Loinc && c.Code == code) == true;
    }

    /// <summary>A blood-pressure panel read from its stored JSON: the systolic and diastolic component values.</summary>
    private sealed record BloodPressureReading(string Id, DateTimeOffset When, decimal? Systolic, decimal? Diastolic)
    {
        public static BloodPressureReading? Parse(string id, string json)
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.TryGetProperty("status", out var status) && status.GetString() is "entered-in-error" or "cancelled")
            {
                return null;
            }

            if (!root.TryGetProperty("effectiveDateTime", out var effective) || KetamineProgress.When(effective.GetString() ?? string.Empty) is not { } taken)
            {
                return null;
            }

            decimal? systolic = null, diastolic = null;
            if (root.TryGetProperty("component", out var components))
            {
                foreach (var component in components.EnumerateArray())
                {
                    var codes = component.TryGetProperty("code", out var code) && code.TryGetProperty("coding", out var coding)
                        ? coding.EnumerateArray().Select(c => c.TryGetProperty("code", out var v) ? v.GetString() : null).ToList()
                        : [];
                    if (!component.TryGetProperty("valueQuantity", out var quantity) || !quantity.TryGetProperty("value", out var value))
                    {
                        continue;
                    }

                    if (codes.Contains(KetamineProgress.Systolic))
                    {
                        systolic = value.GetDecimal();
                    }
                    else if (codes.Contains(KetamineProgress.Diastolic))
                    {
                        diastolic = value.GetDecimal();
                    }
                }
            }

            return new BloodPressureReading(id, taken, systolic, diastolic);
        }
    }
}
