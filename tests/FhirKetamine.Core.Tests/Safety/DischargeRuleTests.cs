using FhirKetamine.Core.Safety;
using FhirKetamine.Core.Tests.Profiles;
using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Tests.Safety;

/// <summary>
/// The discharge verdict on a session, against the IG's Aldrete ObservationDefinition (≤ 8 critical) or, without
/// one, <see cref="SafetyOptions.DischargeMinAldrete"/>: when a session counts as discharged, and which criterion is missing.
/// </summary>
public sealed class DischargeRuleTests
{
    private static readonly ThresholdSet Ig = ThresholdSet.From(
        Directory.EnumerateFiles(Path.Combine(IgFiles.OutputRoot, "profiles", "package"), "ObservationDefinition-*.json")
            .Select(IgFiles.Parse)
            .OfType<ObservationDefinition>());

    private static readonly DateTimeOffset T0 = new(2025, 4, 7, 15, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_session_under_way_is_not_judged_whatever_its_evidence()
    {
        var session = Session(Encounter.EncounterStatus.InProgress, end: null, Reading(DischargeRule.Aldrete, new Integer(3)), Reading(DischargeRule.Ready, new FhirBoolean(false)));

        Assert.Null(DischargeRule.Discharged(session));
        Assert.Null(DischargeRule.Evaluate(session, Ig, new SafetyOptions()));
    }

    [Theory]
    [InlineData(8, true)]
    [InlineData(9, false)]
    [InlineData(10, false)]
    public void Aldrete_below_9_at_discharge_breaks_the_rule_by_the_ig_threshold(int score, bool breached)
    {
        var session = Session(Encounter.EncounterStatus.Finished, T0, Reading(DischargeRule.Aldrete, new Integer(score)), Reading(DischargeRule.Companion, new FhirBoolean(true)));

        var finding = DischargeRule.Evaluate(session, Ig, new SafetyOptions())!;

        Assert.Equal(("discharge", breached), (finding.Rule.Id, finding.Breached));
        Assert.Equal("e1", finding.Scope);
        if (breached)
        {
            Assert.Contains("modified Aldrete 8 (Observation/aldrete-total; critical ≤ 8 {score}, ObservationDefinition/aldrete-discharge-threshold)", finding.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Without_an_aldrete_observation_definition_the_option_is_the_minimum()
    {
        var session = Session(Encounter.EncounterStatus.Finished, T0, Reading(DischargeRule.Aldrete, new Integer(8)), Reading(DischargeRule.Companion, new FhirBoolean(true)));

        Assert.True(DischargeRule.Evaluate(session, ThresholdSet.Empty, new SafetyOptions())!.Breached);
        Assert.Contains("below 9, Safety:DischargeMinAldrete", DischargeRule.Evaluate(session, ThresholdSet.Empty, new SafetyOptions())!.Detail, StringComparison.Ordinal);
        Assert.False(DischargeRule.Evaluate(session, ThresholdSet.Empty, new SafetyOptions { DischargeMinAldrete = 8 })!.Breached);
    }

    [Fact]
    public void The_latest_reading_of_each_criterion_counts_and_the_finding_names_what_is_missing()
    {
        var session = Session(Encounter.EncounterStatus.Finished, T0,
            Reading(DischargeRule.Aldrete, new Integer(7), minutes: -30),
            Reading(DischargeRule.Aldrete, new Integer(9), minutes: -10),
            Reading(DischargeRule.Companion, new FhirBoolean(true), minutes: -30),
            Reading(DischargeRule.Companion, new FhirBoolean(false), minutes: -10, source: "QuestionnaireResponse/q1"));

        var finding = DischargeRule.Evaluate(session, Ig, new SafetyOptions())!;

        Assert.True(finding.Breached);
        Assert.Equal("Discharge criteria not met: Encounter/e1 finished with companion-present not true (QuestionnaireResponse/q1).", finding.Detail);
        Assert.Equal(["Encounter/e1", "Observation/aldrete-total", "QuestionnaireResponse/q1"], finding.Evidence);
    }

    [Fact]
    public void Discharge_ready_or_an_end_while_under_way_is_a_discharge_too()
    {
        var ready = Session(Encounter.EncounterStatus.InProgress, end: null, Reading(DischargeRule.Ready, new FhirBoolean(true), minutes: -5));
        var ended = Session(Encounter.EncounterStatus.InProgress, T0);
        var cancelled = Session(Encounter.EncounterStatus.Cancelled, T0);

        Assert.Equal(T0.AddMinutes(-5), DischargeRule.Discharged(ready)!.Value.When);
        Assert.Contains("no modified Aldrete score recorded and no companion-present recorded", DischargeRule.Evaluate(ready, Ig, new SafetyOptions())!.Detail, StringComparison.Ordinal);
        Assert.Equal(("Encounter/e1 ended", (DateTimeOffset?)T0), DischargeRule.Discharged(ended)!.Value);
        Assert.Null(DischargeRule.Discharged(cancelled));
    }

    private static DischargeSession Session(Encounter.EncounterStatus status, DateTimeOffset? end, params DischargeReading[] readings) =>
        new("e1", new Encounter
        {
            Id = "e1",
            Status = status,
            Period = new Period { StartElement = new FhirDateTime(T0.AddHours(-2)), EndElement = end is { } e ? new FhirDateTime(e) : null },
        }, readings);

    private static DischargeReading Reading(string item, DataType value, int minutes = -15, string? source = null) =>
        new(item, value, T0.AddMinutes(minutes), source ?? $"Observation/{item}");
}
