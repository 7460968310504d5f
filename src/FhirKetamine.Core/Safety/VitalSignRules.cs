using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Safety;

/// <summary>
/// The vital-sign rules (bp-contra, bp-preinfusion, bp-intra, spo2-low, hr, rr-low and any rule a clinic adds)
/// applied to one Observation: each quantity it carries — its value and its components' values — is looked up
/// by code in the <see cref="ThresholdSet"/>. A rule is breached when a value lies in one of its critical
/// intervals for the reading's infusion phase; it is back in range when the reading has a value the rule
/// watches and none lies in any of its critical intervals, whatever the phase (a reading taken after the
/// infusion still shows the pressure came down). A value critical only in another phase says neither.
/// </summary>
public static class VitalSignRules
{
    private const string Loinc = "http://loinc.org";

    /// <summary>Core oxygensat requires 2708-6; the IG's SpO2 thresholds are on 59408-5 (pulse oximetry). Same measurement here.</summary>
    private static readonly Dictionary<(string, string), (string, string)> Aliases = new()
    {
        [(Loinc, "2708-6")] = (Loinc, "59408-5"),
    };

    public static IReadOnlyList<SafetyFinding> Evaluate(Observation observation, ThresholdSet thresholds, string? phase)
    {
        if (thresholds.All.Count == 0)
        {
            return [];
        }

        var checks = new Dictionary<string, (List<string> Breaches, bool Critical)>(StringComparer.Ordinal);
        foreach (var (concept, quantity) in Measurements(observation))
        {
            var value = quantity.Value!.Value;
            var unit = quantity.Code ?? quantity.Unit;
            var matching = Codings(concept).SelectMany(c => ThresholdsFor(thresholds, c)).Distinct()
                .Where(t => t.Unit is null || t.Unit == unit)
                .ToList();
            foreach (var rule in matching.GroupBy(t => t.Rule, StringComparer.Ordinal))
            {
                var check = checks.TryGetValue(rule.Key, out var c) ? c : ([], false);
                check.Breaches.AddRange(rule.Where(t => t.AppliesIn(phase) && t.Contains(value)).Select(t =>
                    $"{t.Name} {ThresholdSet.Format(value)} {unit} (critical {t.Describe()}{(t.Phase is null ? string.Empty : $" in the {t.Phase} phase")}, {t.Definition})"));
                check.Critical |= rule.Any(t => t.Contains(value));
                checks[rule.Key] = check;
            }
        }

        var findings = new List<SafetyFinding>();
        foreach (var (ruleId, (breaches, critical)) in checks)
        {
            var rule = SafetyRule.For(ruleId);
            if (breaches.Count > 0)
            {
                findings.Add(new SafetyFinding(rule, true, $"{rule.Display}: {string.Join("; ", breaches)}."));
            }
            else if (!critical)
            {
                findings.Add(new SafetyFinding(rule, false, $"{rule.Display}: back in range."));
            }
        }

        return findings;
    }

    private static IEnumerable<VitalThreshold> ThresholdsFor(ThresholdSet thresholds, Coding coding)
    {
        var own = thresholds.For(coding.System!, coding.Code!);
        if (own.Count > 0)
        {
            return own;
        }

        return Aliases.TryGetValue((coding.System!, coding.Code!), out var alias) ? thresholds.For(alias.Item1, alias.Item2) : [];
    }

    /// <summary>Every measurement of the reading: its value, and each component's value, with the code that names it.</summary>
    private static IEnumerable<(CodeableConcept Code, Quantity Quantity)> Measurements(Observation observation)
    {
        if (observation.Value is Quantity { Value: not null } value && observation.Code is not null)
        {
            yield return (observation.Code, value);
        }

        foreach (var component in observation.Component)
        {
            if (component.Value is Quantity { Value: not null } quantity && component.Code is not null)
            {
                yield return (component.Code, quantity);
            }
        }
    }

    private static IEnumerable<Coding> Codings(CodeableConcept? concept) =>
        concept?.Coding.Where(c => c.System is not null && c.Code is not null) ?? [];
}
