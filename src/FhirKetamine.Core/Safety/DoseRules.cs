using System.Globalization;

using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Storage;

using Hl7.Fhir.Model;

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FhirKetamine.Core.Safety;

/// <summary>
/// The dosing rules of DOMAIN.md §3/§5 on a ketamine MedicationAdministration, against the patient's body weight
/// (the <c>supportingInformation</c> weight, else the latest 29463-7 Observation, at most
/// <see cref="SafetyOptions.WeightMaxAgeDays"/> old at the start of the administration):
/// <list type="bullet">
/// <item><c>weight-missing</c>: no such weight.</item>
/// <item><c>dose-high</c>: the dose given per kg, or the prescribed dose-per-kg, above
/// <see cref="SafetyOptions.MaxDosePerKg"/> (high) or <see cref="SafetyOptions.WarnDosePerKg"/> (moderate), or a
/// dose that differs from dose-per-kg × weight by more than <see cref="SafetyOptions.DoseTolerance"/> (moderate).</item>
/// <item><c>rate-high</c>: mg/kg/h above <see cref="SafetyOptions.MaxRatePerKgPerHour"/>, from <c>rateQuantity</c>
/// (mg/kg/h, mg/h or mg/min) or else from the dose over the effective period (an infusion shorter than the
/// minimum duration).</item>
/// </list>
/// </summary>
public sealed class DoseRules(FhirSerialization fhir, IOptions<SafetyOptions> options)
{
    public const string DosePerKgExtension = "http://fhir-ketamine.org/fhir/StructureDefinition/dose-per-kg";
    private const string Loinc = "http://loinc.org";
    private const string BodyWeight = "29463-7";

    private static readonly HashSet<string> KetamineCodes = ["6130", "238082", "238083", "238084", "373464007", "333847008", "781952002", "781954001", "781953007"];

    public async Task<IReadOnlyList<SafetyFinding>> EvaluateAsync(FhirDbContext db, MedicationAdministration administration, string patient, DateTimeOffset when, CancellationToken ct)
    {
        if (!IsKetamine(administration) || administration.Dosage is not { } dosage)
        {
            return [];
        }

        var limits = options.Value;
        var findings = new List<SafetyFinding>();
        var weight = await WeightAsync(db, administration, patient, when, ct);
        var weightMissing = SafetyRule.For("weight-missing");
        findings.Add(weight is null
            ? new SafetyFinding(weightMissing, true, $"{weightMissing.Display}: no body weight (LOINC {BodyWeight}) in the {limits.WeightMaxAgeDays} days before the administration; the dose per kg cannot be checked.")
            : new SafetyFinding(weightMissing, false, $"{weightMissing.Display}: weight {Format(weight.Value.Kg)} kg ({weight.Value.Source})."));

        var dose = Milligrams(dosage.Dose);
        var prescribed = dosage.GetExtensionValue<Quantity>(DosePerKgExtension) is { Value: { } perKg, Code: "mg/kg" or null } ? perKg : (decimal?)null;
        if (DoseFinding(dose, prescribed, weight?.Kg, limits) is { } doseFinding)
        {
            findings.Add(doseFinding);
        }

        if (RateFinding(dosage, dose, weight?.Kg, administration.Effective as Period, limits) is { } rateFinding)
        {
            findings.Add(rateFinding);
        }

        return findings;
    }

    private static SafetyFinding? DoseFinding(decimal? dose, decimal? prescribed, decimal? kg, SafetyOptions limits)
    {
        var rule = SafetyRule.For("dose-high");
        var problems = new List<(string Text, DetectedIssue.DetectedIssueSeverity Severity)>();
        var given = dose is { } mg && kg is { } w and > 0 ? mg / w : (decimal?)null;
        foreach (var (label, perKg) in new[] { ("given", given), ("prescribed", prescribed) })
        {
            if (perKg > limits.MaxDosePerKg)
            {
                problems.Add(($"{label} {Format(perKg.Value)} mg/kg is above the maximum {Format(limits.MaxDosePerKg)} mg/kg", DetectedIssue.DetectedIssueSeverity.High));
            }
            else if (perKg > limits.WarnDosePerKg)
            {
                problems.Add(($"{label} {Format(perKg.Value)} mg/kg is above {Format(limits.WarnDosePerKg)} mg/kg", DetectedIssue.DetectedIssueSeverity.Moderate));
            }
        }

        if (dose is { } d && prescribed is { } p && kg is { } weight && p * weight > 0 && Math.Abs(d - (p * weight)) > limits.DoseTolerance * p * weight)
        {
            problems.Add(($"dose {Format(d)} mg differs from {Format(p)} mg/kg × {Format(weight)} kg = {Format(p * weight)} mg by more than {Format(limits.DoseTolerance * 100)} %",
                DetectedIssue.DetectedIssueSeverity.Moderate));
        }

        if (problems.Count > 0)
        {
            var severity = problems.Any(x => x.Severity == DetectedIssue.DetectedIssueSeverity.High) ? DetectedIssue.DetectedIssueSeverity.High : DetectedIssue.DetectedIssueSeverity.Moderate;
            return new SafetyFinding(rule, true, $"{rule.Display}: {string.Join("; ", problems.Select(x => x.Text))}.") { Severity = severity };
        }

        return given is null && prescribed is null ? null : new SafetyFinding(rule, false, $"{rule.Display}: within limits.");
    }

    private static SafetyFinding? RateFinding(MedicationAdministration.DosageComponent dosage, decimal? dose, decimal? kg, Period? period, SafetyOptions limits)
    {
        var rule = SafetyRule.For("rate-high");
        decimal? rate = null;
        var source = string.Empty;
        if (dosage.Rate is Quantity { Value: { } value } quantity)
        {
            (rate, source) = quantity.Code switch
            {
                "mg/kg/h" => (value, "rateQuantity"),
                "mg/h" when kg > 0 => (value / kg.Value, "rateQuantity mg/h ÷ weight"),
                "mg/min" when kg > 0 => (value * 60 / kg.Value, "rateQuantity mg/min × 60 ÷ weight"),
                _ => ((decimal?)null, string.Empty),
            };
        }

        if (rate is null && dose is { } mg && kg is { } w and > 0 && period?.StartElement is { } s && period.EndElement is { } e
            && s.TryToDateTimeOffset(out var start) && e.TryToDateTimeOffset(out var end) && end > start)
        {
            rate = mg / w / (decimal)(end - start).TotalHours;
            source = $"{Format(mg)} mg over {Format((decimal)(end - start).TotalMinutes)} min";
        }

        if (rate is not { } r)
        {
            return null;
        }

        return r > limits.MaxRatePerKgPerHour
            ? new SafetyFinding(rule, true, $"{rule.Display}: {Format(r)} mg/kg/h ({source}) is above {Format(limits.MaxRatePerKgPerHour)} mg/kg/h.")
            : new SafetyFinding(rule, false, $"{rule.Display}: within limits.");
    }

    private async Task<(decimal Kg, string Source)?> WeightAsync(FhirDbContext db, MedicationAdministration administration, string patient, DateTimeOffset when, CancellationToken ct)
    {
        var earliest = when.AddDays(-options.Value.WeightMaxAgeDays).UtcDateTime;
        var latest = when.UtcDateTime;
        var supporting = administration.SupportingInformation
            .Select(r => SafetyHook.Local(r))
            .Where(r => r is not null && r.StartsWith("Observation/", StringComparison.Ordinal))
            .Select(r => r!["Observation/".Length..])
            .ToList();
        var candidates = await (from x in db.ReferenceIndex
                                where x.ResourceType == "Observation" && x.ParamName == "subject" && x.TargetType == "Patient" && x.TargetId == patient
                                join c in db.TokenIndex on x.ResourceKey equals c.ResourceKey
                                where c.ParamName == "code" && c.System == Loinc && c.Code == BodyWeight
                                join d in db.DateIndex on x.ResourceKey equals d.ResourceKey
                                where d.ParamName == "date" && d.Start >= earliest && d.Start <= latest
                                join r in db.Resources on x.ResourceKey equals r.Key
                                where !r.IsDeleted
                                orderby d.Start descending
                                select new
                                {
                                    r.LogicalId,
                                    Json = db.Versions.Where(v => v.ResourceKey == r.Key && v.VersionId == r.VersionId).Select(v => v.Json).First(),
                                })
            .Take(20)
            .ToListAsync(ct);
        foreach (var row in candidates.OrderByDescending(c => supporting.Contains(c.LogicalId)))
        {
            if (fhir.ParseStored(row.Json) is Observation { Value: Quantity quantity } observation
                && observation.Status is not (ObservationStatus.EnteredInError or ObservationStatus.Cancelled)
                && Kilograms(quantity) is { } kg and > 0)
            {
                return (kg, $"Observation/{row.LogicalId}");
            }
        }

        return null;
    }

    internal static bool IsKetamine(MedicationAdministration administration) =>
        administration.Medication is CodeableConcept concept
        && (concept.Coding.Any(c => c.Code is not null && KetamineCodes.Contains(c.Code))
            || concept.Text?.Contains("ketamine", StringComparison.OrdinalIgnoreCase) == true);

    private static decimal? Milligrams(Quantity? quantity) => quantity switch
    {
        { Value: { } v, Code: "mg" } => v,
        { Value: { } v, Code: "g" } => v * 1000,
        { Value: { } v, Code: "ug" } => v / 1000,
        _ => null,
    };

    private static decimal? Kilograms(Quantity quantity) => quantity switch
    {
        { Value: { } v, Code: "kg" } => v,
        { Value: { } v, Code: "g" } => v / 1000,
        { Value: { } v, Code: "[lb_av]" } => v * 0.45359237m,
        _ => null,
    };

    private static string Format(decimal value) => Math.Round(value, 2).ToString("0.##", CultureInfo.InvariantCulture);
}
