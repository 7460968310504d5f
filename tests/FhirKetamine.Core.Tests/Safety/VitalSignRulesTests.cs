using FhirKetamine.Core.Safety;
using FhirKetamine.Core.Tests.Profiles;
using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Tests.Safety;

/// <summary>The IG's ObservationDefinitions read as thresholds, and the DOMAIN.md §5 limits they give, bound by bound.</summary>
public sealed class VitalSignRulesTests
{
    private static readonly ThresholdSet Ig = ThresholdSet.From(
        Directory.EnumerateFiles(Path.Combine(IgFiles.OutputRoot, "profiles", "package"), "ObservationDefinition-*.json")
            .Select(IgFiles.Parse)
            .OfType<ObservationDefinition>());

    [Theory]
    [InlineData(121, true)]
    [InlineData(120, false)]
    [InlineData(50, false)]
    [InlineData(49, true)]
    public void Heart_rate_above_120_or_below_50_breaks_hr_in_any_phase(int bpm, bool breached)
    {
        var finding = Assert.Single(VitalSignRules.Evaluate(Reading("8867-4", bpm, "/min"), Ig, phase: null));
        Assert.Equal("hr", finding.Rule.Id);
        Assert.Equal(breached, finding.Breached);
    }

    [Theory]
    [InlineData(89, true)]
    [InlineData(90, false)]
    public void Spo2_below_90_breaks_spo2_low_also_when_coded_with_the_core_loinc_only(int percent, bool breached)
    {
        var finding = Assert.Single(VitalSignRules.Evaluate(Reading("2708-6", percent, "%"), Ig, "infusion"));
        Assert.Equal(("spo2-low", breached), (finding.Rule.Id, finding.Breached));
    }

    [Fact]
    public void Blood_pressure_rules_depend_on_the_phase()
    {
        var bp = BloodPressure(182, 104);

        var infusion = VitalSignRules.Evaluate(bp, Ig, "infusion").ToDictionary(f => f.Rule.Id, f => f.Breached);
        var baseline = VitalSignRules.Evaluate(bp, Ig, "baseline").ToDictionary(f => f.Rule.Id, f => f.Breached);

        // 182 > 180 during the infusion; at baseline ≥ 180 contraindicates and ≥ 160 needs review.
        Assert.Equal(new Dictionary<string, bool> { ["bp-intra"] = true }, infusion);
        Assert.Equal(new Dictionary<string, bool> { ["bp-contra"] = true, ["bp-preinfusion"] = true }, baseline);
        Assert.Contains("Systolic blood pressure 182 mm[Hg]", VitalSignRules.Evaluate(bp, Ig, "infusion")[0].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_normal_pressure_is_back_in_range_for_every_bp_rule_whatever_the_phase()
    {
        var findings = VitalSignRules.Evaluate(BloodPressure(130, 80), Ig, "recovery");

        Assert.Equal(["bp-contra", "bp-intra", "bp-preinfusion"], findings.Select(f => f.Rule.Id).Order(StringComparer.Ordinal));
        Assert.All(findings, f => Assert.False(f.Breached));
    }

    [Fact]
    public void A_value_in_another_unit_or_of_an_unwatched_code_gives_no_finding()
    {
        Assert.Empty(VitalSignRules.Evaluate(Reading("8867-4", 200, "/s"), Ig, "infusion"));
        Assert.Empty(VitalSignRules.Evaluate(Reading("8310-5", 41, "Cel"), Ig, "infusion"));
    }

    private static Observation Reading(string loinc, decimal value, string unit) => new()
    {
        Status = ObservationStatus.Final,
        Code = new CodeableConcept("http://loinc.org", loinc),
        Value = new Quantity { Value = value, Code = unit, System = "http://unitsofmeasure.org" },
    };

    private static Observation BloodPressure(decimal systolic, decimal diastolic) => new()
    {
        Status = ObservationStatus.Final,
        Code = new CodeableConcept("http://loinc.org", "85354-9"),
        Component =
        [
            new Observation.ComponentComponent { Code = new CodeableConcept("http://loinc.org", "8480-6"), Value = new Quantity { Value = systolic, Code = "mm[Hg]", System = "http://unitsofmeasure.org" } },
            new Observation.ComponentComponent { Code = new CodeableConcept("http://loinc.org", "8462-4"), Value = new Quantity { Value = diastolic, Code = "mm[Hg]", System = "http://unitsofmeasure.org" } },
        ],
    };
}
