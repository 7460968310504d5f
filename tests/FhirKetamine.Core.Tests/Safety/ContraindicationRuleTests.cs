using FhirKetamine.Core.Safety;
using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Tests.Safety;

/// <summary>When a Condition counts for contra-history, and which writes are ketamine treatment.</summary>
public sealed class ContraindicationRuleTests
{
    [Theory]
    [InlineData("active", "confirmed", true)]
    [InlineData("recurrence", "provisional", true)]
    [InlineData("relapse", "unconfirmed", true)]
    [InlineData("active", null, true)]
    [InlineData("inactive", "confirmed", false)]
    [InlineData("remission", "confirmed", false)]
    [InlineData("resolved", "confirmed", false)]
    [InlineData("active", "refuted", false)]
    [InlineData(null, "entered-in-error", false)]
    public void A_condition_counts_while_clinically_active_and_not_refuted(string? clinical, string? verification, bool counts)
    {
        var condition = new Condition
        {
            ClinicalStatus = clinical is null ? null : new CodeableConcept("http://terminology.hl7.org/CodeSystem/condition-clinical", clinical),
            VerificationStatus = verification is null ? null : new CodeableConcept("http://terminology.hl7.org/CodeSystem/condition-ver-status", verification),
        };

        Assert.Equal(counts, ContraindicationRule.IsActive(condition));
    }

    [Fact]
    public void Without_a_clinical_status_an_abatement_ends_the_condition()
    {
        Assert.True(ContraindicationRule.IsActive(new Condition()));
        Assert.False(ContraindicationRule.IsActive(new Condition { Abatement = new FhirDateTime("2024-01-01") }));
    }

    [Fact]
    public void Treatment_is_a_session_encounter_under_way_an_infusion_or_an_active_ketamine_plan()
    {
        var session = new Encounter
        {
            Status = Encounter.EncounterStatus.InProgress,
            Type = [new CodeableConcept(ContraindicationRule.EncounterTypeSystem, ContraindicationRule.InfusionSession)],
        };
        var evaluation = new Encounter
        {
            Status = Encounter.EncounterStatus.InProgress,
            Type = [new CodeableConcept(ContraindicationRule.EncounterTypeSystem, "evaluation")],
        };
        var plan = new CarePlan { Status = RequestStatus.Active };
        plan.SetExtension(ContraindicationRule.TreatmentPhaseExtension, new Code("induction"));

        Assert.True(ContraindicationRule.IsOngoingSession(session));
        Assert.False(ContraindicationRule.IsOngoingSession(evaluation));
        Assert.False(ContraindicationRule.IsOngoingSession(new Encounter { Status = Encounter.EncounterStatus.Finished, Type = session.Type }));
        Assert.True(ContraindicationRule.IsActivePlan(plan));
        Assert.False(ContraindicationRule.IsActivePlan(new CarePlan { Status = RequestStatus.Completed, Extension = plan.Extension }));
        Assert.True(ContraindicationRule.IsInfusion(new Procedure { Status = EventStatus.InProgress, Code = new CodeableConcept("http://snomed.info/sct", "14152002") }));
        Assert.False(ContraindicationRule.IsInfusion(new Procedure { Status = EventStatus.NotDone, Code = new CodeableConcept("http://snomed.info/sct", "14152002") }));
    }
}
