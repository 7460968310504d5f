// Firely's model is nullable-annotated throughout; in these tests a missing element is a failed assertion.
#nullable disable warnings

using FhirKetamine.Core.Safety;
using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Tests.Safety;

/// <summary>
/// Rule discharge (DOMAIN.md §4/§5, label): a session discharged (Encounter finished, or discharge-ready = true)
/// without a modified Aldrete ≥ 9 or without a companion present raises one Flag for that session, naming what is
/// missing; evidence recorded afterwards that meets both closes it. Evidence before the discharge raises nothing.
/// </summary>
public sealed class DischargeRuleTests(FhirServerFactory factory) : IClassFixture<FhirServerFactory>
{
    [Fact]
    public async Task Finishing_a_session_without_aldrete_or_companion_raises_one_flag_naming_both_until_both_are_recorded()
    {
        using var client = factory.CreateFhirClient();
        var clinic = await new SafetyClinic(client).StartAsync();

        // 1. The Encounter is finished with no discharge evidence at all.
        var finished = await clinic.PutAsync("Encounter", clinic.EncounterId, clinic.Encounter("finished", end: TimeSpan.FromMinutes(-2)));

        var warning = Assert.Single(finished.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Warning);
        Assert.Equal("discharge", warning.Details.Coding.Single().Code);
        Assert.Contains("Safety rule discharge (high)", warning.Diagnostics, StringComparison.Ordinal);
        Assert.Contains("no modified Aldrete score recorded and no companion-present recorded", warning.Diagnostics, StringComparison.Ordinal);
        var flag = Assert.Single(await clinic.FlagsAsync());
        Assert.Equal("discharge", flag.Code.Coding.Single().Code);
        Assert.Equal($"{clinic.PatientId}:{clinic.EncounterId}", flag.Identifier.Single().Value["discharge:".Length..]);
        Assert.Equal($"Encounter/{clinic.EncounterId}", flag.Encounter.Reference);
        Assert.Equal(SafetyClinic.Instant(TimeSpan.FromMinutes(-2)), flag.Period.StartElement.ToDateTimeOffset(TimeSpan.Zero));
        var issue = Assert.Single(await clinic.IssuesAsync());
        Assert.Equal(DetectedIssue.DetectedIssueSeverity.High, issue.Severity);
        Assert.Equal([$"Encounter/{clinic.EncounterId}"], issue.Implicated.Select(r => r.Reference));
        Assert.Equal([$"Encounter/{clinic.EncounterId}"], issue.Evidence.Single().Detail.Select(r => r.Reference));
        Assert.Equal(RequestPriority.Stat, Assert.Single(await clinic.CommunicationsAsync()).Priority);

        // 2. Aldrete 9 recorded late: the companion is still missing; the episode goes on, nothing new is raised.
        var (_, aldrete, aldreteId) = await clinic.PostAsync(clinic.Aldrete(9, TimeSpan.FromMinutes(-3)));
        var ongoing = Assert.Single(aldrete.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Warning);
        Assert.Contains($"Flag/{flag.Id} stays active", ongoing.Diagnostics, StringComparison.Ordinal);
        Assert.Contains("no companion-present recorded", ongoing.Diagnostics, StringComparison.Ordinal);
        Assert.DoesNotContain("Aldrete score recorded", ongoing.Diagnostics, StringComparison.Ordinal);
        Assert.Single(await clinic.FlagsAsync());
        Assert.Single(await clinic.IssuesAsync());
        Assert.Single(await clinic.CommunicationsAsync());

        // 3. The companion is recorded: both criteria met, the Flag closes.
        var (_, companion, companionId) = await clinic.PostAsync(clinic.DischargeItem(DischargeRule.Companion, true, TimeSpan.FromMinutes(-3)));
        Assert.DoesNotContain(companion.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Warning);
        var closing = Assert.Single(companion.Issue, i => i.Diagnostics?.Contains($"Flag/{flag.Id} closed", StringComparison.Ordinal) == true);
        Assert.Contains($"modified Aldrete 9 (Observation/{aldreteId})", closing.Diagnostics, StringComparison.Ordinal);
        Assert.Contains($"companion present (Observation/{companionId})", closing.Diagnostics, StringComparison.Ordinal);
        var closed = Assert.Single(await clinic.FlagsAsync());
        Assert.Equal(Flag.FlagStatus.Inactive, closed.Status);
        Assert.NotNull(closed.Period.End);
    }

    [Fact]
    public async Task A_discharge_checklist_with_a_low_aldrete_raises_the_rule_and_a_later_aldrete_of_9_closes_it()
    {
        using var client = factory.CreateFhirClient();
        var clinic = await new SafetyClinic(client).StartAsync();

        // The checklist says ready, with a companion, but Aldrete 7: critical per the IG's ObservationDefinition (≤ 8).
        var (_, outcome, checklist) = await clinic.PostAsync(clinic.DischargeChecklist(aldrete: 7, companion: true, ready: true, TimeSpan.FromMinutes(-10)));

        var warning = Assert.Single(outcome.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Warning);
        Assert.Equal("discharge", warning.Details.Coding.Single().Code);
        Assert.Contains($"discharge-ready recorded in QuestionnaireResponse/{checklist}", warning.Diagnostics, StringComparison.Ordinal);
        Assert.Contains("modified Aldrete 7", warning.Diagnostics, StringComparison.Ordinal);
        Assert.Contains("critical ≤ 8", warning.Diagnostics, StringComparison.Ordinal);
        Assert.Contains("ObservationDefinition/aldrete-discharge-threshold", warning.Diagnostics, StringComparison.Ordinal);
        Assert.DoesNotContain("companion", warning.Diagnostics, StringComparison.Ordinal);
        var issue = Assert.Single(await clinic.IssuesAsync());
        Assert.Equal([$"QuestionnaireResponse/{checklist}", $"Encounter/{clinic.EncounterId}"], issue.Implicated.Select(r => r.Reference));
        Assert.Contains(issue.Evidence.Single().Detail, r => r.Reference == $"QuestionnaireResponse/{checklist}");
        Assert.Equal(SafetyClinic.Instant(TimeSpan.FromMinutes(-10)), Assert.Single(await clinic.FlagsAsync()).Period.StartElement.ToDateTimeOffset(TimeSpan.Zero));

        // A reassessment 10 minutes later scores 9: closed.
        var (_, later, _) = await clinic.PostAsync(clinic.Aldrete(9, TimeSpan.FromMinutes(-1)));
        Assert.DoesNotContain(later.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Warning);
        Assert.Equal(Flag.FlagStatus.Inactive, Assert.Single(await clinic.FlagsAsync()).Status);
    }

    [Fact]
    public async Task A_session_discharged_with_aldrete_9_and_a_companion_raises_nothing_nor_does_evidence_before_discharge()
    {
        using var client = factory.CreateFhirClient();
        var clinic = await new SafetyClinic(client).StartAsync();

        // In recovery: a low Aldrete and no companion yet are not a discharge breach.
        foreach (var json in new[]
        {
            clinic.Aldrete(6, TimeSpan.FromMinutes(-20)),
            clinic.DischargeItem(DischargeRule.Companion, false, TimeSpan.FromMinutes(-20)),
            clinic.DischargeItem(DischargeRule.Ready, false, TimeSpan.FromMinutes(-19)),
            clinic.Aldrete(9, TimeSpan.FromMinutes(-10)),
            clinic.DischargeItem(DischargeRule.Companion, true, TimeSpan.FromMinutes(-10)),
        })
        {
            var (_, outcome, _) = await clinic.PostAsync(json);
            Assert.DoesNotContain(outcome.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Warning);
        }

        var ready = await clinic.PostAsync(clinic.DischargeItem(DischargeRule.Ready, true, TimeSpan.FromMinutes(-5)));
        var finished = await clinic.PutAsync("Encounter", clinic.EncounterId, clinic.Encounter("finished", end: TimeSpan.FromMinutes(-4)));

        Assert.DoesNotContain(ready.Outcome.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Warning);
        Assert.DoesNotContain(finished.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Warning);
        Assert.Empty(await clinic.FlagsAsync());
        Assert.Empty(await clinic.IssuesAsync());
    }
}
