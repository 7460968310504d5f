// Firely's model is nullable-annotated throughout; in these tests a missing element is a failed assertion.
#nullable disable warnings

using System.Net;
using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Tests.Safety;

/// <summary>
/// Rule contra-history (DOMAIN.md §5): ketamine treatment meets an active Condition in the IG's
/// ketamine-contraindication ValueSet. It fires on the treatment write (session Encounter, infusion Procedure,
/// ketamine administration) or on the Condition written during treatment, once per patient, and closes when no
/// such Condition is left active.
/// </summary>
public sealed class ContraindicationRuleTests(FhirServerFactory factory) : IClassFixture<FhirServerFactory>
{
    private const string Snomed = "http://snomed.info/sct";
    private const string Icd10 = "http://hl7.org/fhir/sid/icd-10-cm";

    [Fact]
    public async Task A_session_for_a_patient_with_an_active_contraindication_raises_one_flag_until_the_condition_resolves()
    {
        using var client = factory.CreateFhirClient();
        var clinic = await new SafetyClinic(client).StartAsync(inSession: false);

        // Schizophrenia on record before any treatment: stored, nothing raised yet.
        var (_, recorded, conditionId) = await clinic.PostAsync(clinic.Condition(Snomed, "58214004"));
        Assert.DoesNotContain(recorded.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Warning);
        Assert.Empty(await clinic.FlagsAsync());

        // The session opens: its Encounter raises the rule, the infusion Procedure finds the breach ongoing.
        var (encounter, procedure) = await clinic.OpenSessionAsync();
        var warning = Assert.Single(encounter.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Warning);
        Assert.Equal("contra-history", warning.Details.Coding.Single().Code);
        Assert.Contains("Safety rule contra-history (high)", warning.Diagnostics, StringComparison.Ordinal);
        Assert.Contains($"Condition/{conditionId} (SNOMED CT 58214004)", warning.Diagnostics, StringComparison.Ordinal);
        var flag = Assert.Single(await clinic.FlagsAsync());
        Assert.Contains(procedure.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Warning
            && i.Details.Coding.Single().Code == "contra-history" && i.Diagnostics.Contains($"Flag/{flag.Id} stays active", StringComparison.Ordinal));

        Assert.Equal(Flag.FlagStatus.Active, flag.Status);
        Assert.Equal("contra-history", flag.Code.Coding.Single().Code);
        Assert.Equal($"Encounter/{clinic.EncounterId}", flag.Encounter.Reference);
        var issue = Assert.Single(await clinic.IssuesAsync());
        Assert.Equal(DetectedIssue.DetectedIssueSeverity.High, issue.Severity);
        Assert.Contains(issue.Code.Coding, c => c.System == "http://terminology.hl7.org/CodeSystem/v3-ActCode" && c.Code == "COND");
        Assert.Equal([$"Encounter/{clinic.EncounterId}"], issue.Implicated.Select(r => r.Reference));
        Assert.Equal([$"Condition/{conditionId}"], issue.Evidence.Single().Detail.Select(r => r.Reference));
        Assert.Equal(RequestPriority.Stat, Assert.Single(await clinic.CommunicationsAsync()).Priority);

        // A ketamine administration in the same session: still one episode.
        var (_, _, weight) = await clinic.PostAsync(clinic.BodyWeight(70, TimeSpan.FromMinutes(-55)));
        var (_, administered, _) = await clinic.PostAsync(clinic.Administration(35, 0.5m, weight, 40));
        Assert.Contains(administered.Issue, i => i.Details?.Coding.SingleOrDefault()?.Code == "contra-history" && i.Severity == OperationOutcome.IssueSeverity.Warning);
        Assert.Single(await clinic.FlagsAsync());
        Assert.Single(await clinic.IssuesAsync());

        // Resolved: the Flag closes.
        var resolved = await clinic.PutAsync("Condition", conditionId, clinic.Condition(Snomed, "58214004", clinicalStatus: "resolved", id: conditionId));
        Assert.DoesNotContain(resolved.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Warning);
        Assert.Contains(resolved.Issue, i => i.Diagnostics.Contains($"Flag/{flag.Id} closed", StringComparison.Ordinal));
        var closed = Assert.Single(await clinic.FlagsAsync());
        Assert.Equal(Flag.FlagStatus.Inactive, closed.Status);
        Assert.NotNull(closed.Period.End);

        // The next infusion write raises nothing.
        var (_, next, _) = await clinic.PostAsync(clinic.Administration(35, 0.5m, weight, 45));
        Assert.DoesNotContain(next.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Warning);
        Assert.Single(await clinic.FlagsAsync());
    }

    [Fact]
    public async Task A_contraindication_recorded_during_a_session_raises_the_rule_and_closes_when_none_is_left()
    {
        using var client = factory.CreateFhirClient();
        var clinic = await new SafetyClinic(client).StartAsync();

        // Essential hypertension coded in ICD-10-CM only, recorded while the infusion runs.
        var (_, outcome, hypertension) = await clinic.PostAsync(clinic.Condition(Icd10, "I10"));
        var warning = Assert.Single(outcome.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Warning);
        Assert.Equal("contra-history", warning.Details.Coding.Single().Code);
        var flag = Assert.Single(await clinic.FlagsAsync());
        Assert.Equal($"Encounter/{clinic.EncounterId}", flag.Encounter.Reference);
        var issue = Assert.Single(await clinic.IssuesAsync());
        Assert.Equal([$"Condition/{hypertension}", $"Encounter/{clinic.EncounterId}"], issue.Implicated.Select(r => r.Reference));
        Assert.Equal([$"Condition/{hypertension}"], issue.Evidence.Single().Detail.Select(r => r.Reference));
        using (var validated = await client.GetAsync($"DetectedIssue/{issue.Id}/$validate"))
        {
            Assert.Equal(HttpStatusCode.OK, validated.StatusCode);
        }

        // A second one: the episode goes on.
        var (_, second, alcoholism) = await clinic.PostAsync(clinic.Condition(Snomed, "7200002"));
        Assert.Contains(second.Issue, i => i.Diagnostics.Contains($"Flag/{flag.Id} stays active", StringComparison.Ordinal));
        Assert.Single(await clinic.IssuesAsync());

        // The first was a mistake; the second still contraindicates, so the Flag stays.
        var mistaken = await clinic.PutAsync("Condition", hypertension, clinic.Condition(Icd10, "I10", verificationStatus: "entered-in-error", id: hypertension));
        Assert.DoesNotContain(mistaken.Issue, i => i.Details?.Coding.SingleOrDefault()?.Code == "contra-history");
        Assert.Equal(Flag.FlagStatus.Active, Assert.Single(await clinic.FlagsAsync()).Status);

        // Deleting the second leaves none: closed.
        (await client.DeleteAsync($"Condition/{alcoholism}")).EnsureSuccessStatusCode();
        Assert.Equal(Flag.FlagStatus.Inactive, Assert.Single(await clinic.FlagsAsync()).Status);
    }

    [Fact]
    public async Task Conditions_outside_the_value_set_or_not_active_raise_nothing()
    {
        using var client = factory.CreateFhirClient();
        var clinic = await new SafetyClinic(client).StartAsync();

        foreach (var condition in new[]
        {
            clinic.Condition(Snomed, "36474008"),                                         // the indication, not a contraindication
            clinic.Condition(Snomed, "58214004", clinicalStatus: "inactive"),
            clinic.Condition(Snomed, "58214004", clinicalStatus: "remission"),
            clinic.Condition(Snomed, "66214007", verificationStatus: "refuted"),
            clinic.Condition("http://example.org/local-codes", "58214004"),              // the code, but not SNOMED's
        })
        {
            var (_, outcome, _) = await clinic.PostAsync(condition);
            Assert.DoesNotContain(outcome.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Warning);
        }

        var session = await clinic.PutAsync("Encounter", clinic.EncounterId, clinic.Encounter("in-progress", end: null));
        Assert.DoesNotContain(session.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Warning);
        Assert.Empty(await clinic.FlagsAsync());
        Assert.Empty(await clinic.IssuesAsync());
    }
}
