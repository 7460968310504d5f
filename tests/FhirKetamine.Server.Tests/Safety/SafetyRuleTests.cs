// Firely's model is nullable-annotated throughout; in these tests a missing element is a failed assertion.
#nullable disable warnings

using System.Net;
using System.Text.Json.Nodes;
using FhirKetamine.Core.Safety;
using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Tests.Safety;

/// <summary>
/// The safety rules at ingest (DOMAIN.md §5), through HTTP as a bedside gateway and a clinic post: a breach is
/// stored, raises one Flag, DetectedIssue and Communication in the same transaction, and warns the writer; an
/// ongoing breach raises nothing more; a reading back in range closes the Flag. Readings sent with only patient
/// and time are linked to the session they were taken in.
/// </summary>
public sealed class SafetyRuleTests(FhirServerFactory factory) : IClassFixture<FhirServerFactory>
{
    [Fact]
    public async Task A_critical_blood_pressure_during_the_infusion_raises_one_flag_until_a_reading_is_back_in_range()
    {
        using var client = factory.CreateFhirClient();
        var clinic = await new SafetyClinic(client).StartAsync();

        // 1. 190/100 during the infusion: stored, linked to the session, one Flag + DetectedIssue + Communication.
        var (_, outcome, first) = await clinic.PostAsync(clinic.BloodPressure(190, 100, TimeSpan.FromMinutes(-20)));

        var warning = Assert.Single(outcome.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Warning);
        Assert.Contains("Safety rule bp-intra", warning.Diagnostics, StringComparison.Ordinal);
        Assert.Equal("bp-intra", warning.Details.Coding.Single().Code);
        var stored = await (await client.GetAsync($"Observation/{first}")).ReadAsync<Observation>();
        Assert.Equal($"Encounter/{clinic.EncounterId}", stored.Encounter.Reference);
        Assert.Equal($"Procedure/{clinic.ProcedureId}", stored.PartOf.Single().Reference);
        Assert.Equal("infusion", stored.GetExtensionValue<Code>("http://fhir-ketamine.org/fhir/StructureDefinition/infusion-phase").Value);

        var flag = Assert.Single(await clinic.FlagsAsync());
        Assert.Equal(Flag.FlagStatus.Active, flag.Status);
        Assert.Equal("safety", flag.Category.Single().Coding.Single().Code);
        Assert.Equal("bp-intra", flag.Code.Coding.Single().Code);
        Assert.Equal($"Encounter/{clinic.EncounterId}", flag.Encounter.Reference);
        Assert.Equal(SafetyClinic.Instant(TimeSpan.FromMinutes(-20)), flag.Period.StartElement.ToDateTimeOffset(TimeSpan.Zero));
        Assert.Null(flag.Period.End);
        var issue = Assert.Single(await clinic.IssuesAsync());
        Assert.Equal(ObservationStatus.Final, issue.Status);
        Assert.Equal(DetectedIssue.DetectedIssueSeverity.High, issue.Severity);
        Assert.Equal($"Observation/{first}", issue.Implicated.Single().Reference);
        Assert.Equal($"Observation/{first}", issue.Evidence.Single().Detail.Single().Reference);
        Assert.Contains("190", issue.Detail, StringComparison.Ordinal);
        Assert.Contains(issue.Code.Coding, c => c.System == "http://terminology.hl7.org/CodeSystem/v3-ActCode" && c.Code == "COND");
        Assert.Equal($"DetectedIssue/{issue.Id}", ((ResourceReference)flag.GetExtension("http://hl7.org/fhir/StructureDefinition/flag-detail").Value).Reference);
        var alert = Assert.Single(await clinic.CommunicationsAsync());
        Assert.Equal(RequestPriority.Stat, alert.Priority);
        Assert.Equal("alert", alert.Category.Single().Coding.Single().Code);
        Assert.Contains(alert.About, a => a.Reference == $"DetectedIssue/{issue.Id}");

        // 2. Still high: the write warns again, nothing new is raised.
        var (_, again, _) = await clinic.PostAsync(clinic.BloodPressure(185, 95, TimeSpan.FromMinutes(-10)));
        Assert.Contains(again.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Warning && i.Diagnostics.Contains($"Flag/{flag.Id} stays active", StringComparison.Ordinal));
        Assert.Single(await clinic.FlagsAsync());
        Assert.Single(await clinic.IssuesAsync());
        Assert.Single(await clinic.CommunicationsAsync());

        // 3. Back in range: the Flag closes at the reading's time.
        var (_, back, _) = await clinic.PostAsync(clinic.BloodPressure(150, 90, TimeSpan.FromMinutes(-5)));
        Assert.DoesNotContain(back.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Warning);
        Assert.Contains(back.Issue, i => i.Diagnostics.Contains($"Flag/{flag.Id} closed", StringComparison.Ordinal));
        var closed = Assert.Single(await clinic.FlagsAsync());
        Assert.Equal(Flag.FlagStatus.Inactive, closed.Status);
        Assert.Equal(SafetyClinic.Instant(TimeSpan.FromMinutes(-5)), closed.Period.EndElement.ToDateTimeOffset(TimeSpan.Zero));
        Assert.Equal("2", closed.Meta.VersionId);

        // 4. A new breach is a new episode: a second Flag.
        await clinic.PostAsync(clinic.BloodPressure(200, 120, TimeSpan.FromMinutes(-1)));
        var flags = await clinic.FlagsAsync();
        Assert.Equal(2, flags.Count);
        Assert.Single(flags, f => f.Status == Flag.FlagStatus.Active);
    }

    /// <summary>
    /// A gateway's readings sent as one transaction are stored together (one SaveChanges for the run of Observations): each is
    /// still linked to the session, and the rules still see them one at a time, in entry order.
    /// </summary>
    [Fact]
    public async Task Readings_in_one_transaction_are_linked_to_the_session_and_a_breach_among_them_raises_one_flag()
    {
        using var client = factory.CreateFhirClient();
        var clinic = await new SafetyClinic(client).StartAsync();
        string[] readings =
        [
            clinic.HeartRate(80, TimeSpan.FromMinutes(-25)),
            clinic.BloodPressure(190, 100, TimeSpan.FromMinutes(-20)),
            clinic.BloodPressure(185, 95, TimeSpan.FromMinutes(-15)),
            clinic.HeartRate(82, TimeSpan.FromMinutes(-10)),
        ];
        var transaction = new JsonObject
        {
            ["resourceType"] = "Bundle",
            ["type"] = "transaction",
            ["entry"] = new JsonArray(readings.Select(r => (JsonNode)new JsonObject
            {
                ["resource"] = JsonNode.Parse(r),
                ["request"] = new JsonObject { ["method"] = "POST", ["url"] = "Observation" },
            }).ToArray()),
        };

        var response = await client.PostAsync(string.Empty, Fhir.Json(transaction.ToJsonString()));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await response.ReadAsync<Bundle>();
        var ids = result.Entry.Select(e => e.Response.Location.Split('/')[^3]).ToList();
        foreach (var id in ids)
        {
            var stored = await (await client.GetAsync($"Observation/{id}")).ReadAsync<Observation>();
            Assert.Equal($"Encounter/{clinic.EncounterId}", stored.Encounter.Reference);
            Assert.Equal($"Procedure/{clinic.ProcedureId}", stored.PartOf.Single().Reference);
        }

        bool Warns(int entry, string text) => result.Entry[entry].Response.Outcome is OperationOutcome outcome
            && outcome.Issue.Any(i => i.Severity == OperationOutcome.IssueSeverity.Warning && i.Diagnostics.Contains(text, StringComparison.Ordinal));
        var flag = Assert.Single(await clinic.FlagsAsync());
        Assert.True(Warns(1, "Safety rule bp-intra"));
        Assert.True(Warns(2, $"Flag/{flag.Id} stays active")); // the second high reading found the first one's Flag
        Assert.False(Warns(0, "Safety rule") || Warns(3, "Safety rule"));
        Assert.Equal(SafetyClinic.Instant(TimeSpan.FromMinutes(-20)), flag.Period.StartElement.ToDateTimeOffset(TimeSpan.Zero));
        Assert.Equal($"Observation/{ids[1]}", Assert.Single(await clinic.IssuesAsync()).Implicated.Single().Reference);
    }

    [Fact]
    public async Task The_records_the_rules_write_are_valid_fhir()
    {
        using var client = factory.CreateFhirClient();
        var clinic = await new SafetyClinic(client).StartAsync();
        await clinic.PostAsync(clinic.HeartRate(135, TimeSpan.FromMinutes(-3)));

        var flag = Assert.Single(await clinic.FlagsAsync());
        var issue = Assert.Single(await clinic.IssuesAsync());
        var alert = Assert.Single(await clinic.CommunicationsAsync());
        Assert.Equal(DetectedIssue.DetectedIssueSeverity.Moderate, issue.Severity);
        Assert.Equal(RequestPriority.Urgent, alert.Priority);
        foreach (var path in new[] { $"Flag/{flag.Id}", $"DetectedIssue/{issue.Id}", $"Communication/{alert.Id}" })
        {
            using var response = await client.GetAsync($"{path}/$validate");
            var outcome = await response.ReadAsync<OperationOutcome>();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {Fhir.ToJson(outcome)}");
            Assert.DoesNotContain(outcome.Issue, i => i.Severity is OperationOutcome.IssueSeverity.Error or OperationOutcome.IssueSeverity.Fatal);
        }
    }

    [Fact]
    public async Task A_reading_outside_any_session_is_stored_as_sent_and_only_phase_free_rules_apply()
    {
        using var client = factory.CreateFhirClient();
        var clinic = await new SafetyClinic(client).StartAsync(inSession: false);

        // bp-intra applies during an infusion only; hr applies in any phase.
        var (_, outcome, id) = await clinic.PostAsync(clinic.BloodPressure(200, 120, TimeSpan.FromMinutes(-2)));
        Assert.DoesNotContain(outcome.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Warning);
        var stored = await (await client.GetAsync($"Observation/{id}")).ReadAsync<Observation>();
        Assert.Null(stored.Encounter);
        Assert.Empty(stored.PartOf);
        Assert.Empty(await clinic.FlagsAsync());

        var (_, hr, _) = await clinic.PostAsync(clinic.HeartRate(40, TimeSpan.FromMinutes(-1)));
        Assert.Contains(hr.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Warning && i.Details.Coding.Single().Code == "hr");
        var flag = Assert.Single(await clinic.FlagsAsync());
        Assert.Null(flag.Encounter);
    }

    [Fact]
    public async Task A_baseline_reading_gets_the_baseline_phase_and_the_pre_infusion_rules()
    {
        using var client = factory.CreateFhirClient();
        var clinic = await new SafetyClinic(client).StartAsync();

        // 45 minutes ago: in the encounter, before the infusion began. 182/95 breaks bp-contra (≥180) and bp-preinfusion (≥160).
        var (_, outcome, id) = await clinic.PostAsync(clinic.BloodPressure(182, 95, TimeSpan.FromMinutes(-45)));

        var stored = await (await client.GetAsync($"Observation/{id}")).ReadAsync<Observation>();
        Assert.Equal("baseline", stored.GetExtensionValue<Code>("http://fhir-ketamine.org/fhir/StructureDefinition/infusion-phase").Value);
        Assert.Equal($"Encounter/{clinic.EncounterId}", stored.Encounter.Reference);
        Assert.Empty(stored.PartOf);
        Assert.Equal(["bp-contra", "bp-preinfusion"], outcome.Issue.Where(i => i.Severity == OperationOutcome.IssueSeverity.Warning)
            .Select(i => i.Details.Coding.Single().Code).Order(StringComparer.Ordinal));
        Assert.Equal(["bp-contra", "bp-preinfusion"], (await clinic.FlagsAsync()).Select(f => f.Code.Coding.Single().Code).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_retried_batch_stores_each_reading_and_raises_each_flag_once()
    {
        using var client = factory.CreateFhirClient();
        var clinic = await new SafetyClinic(client).StartAsync();
        var batch = new JsonObject { ["resourceType"] = "Bundle", ["type"] = "batch", ["entry"] = new JsonArray() };
        var readings = new[]
        {
            ("r-1", clinic.HeartRate(88, TimeSpan.FromMinutes(-12), "r-1")),
            ("r-2", clinic.HeartRate(131, TimeSpan.FromMinutes(-11), "r-2")),
            ("r-3", clinic.BloodPressure(195, 100, TimeSpan.FromMinutes(-10), "r-3")),
        };
        foreach (var (reading, json) in readings)
        {
            batch["entry"]!.AsArray().Add(new JsonObject
            {
                ["resource"] = JsonNode.Parse(json),
                ["request"] = new JsonObject { ["method"] = "POST", ["url"] = "Observation", ["ifNoneExist"] = $"identifier=urn:gateway:chair-7|{reading}" },
            });
        }

        for (var attempt = 0; attempt < 2; attempt++)
        {
            using var response = await client.PostAsync(string.Empty, Fhir.Json(batch.ToJsonString()));
            var result = await response.ReadAsync<Bundle>();
            Assert.All(result.Entry, e => Assert.StartsWith(attempt == 0 ? "201" : "200", e.Response.Status, StringComparison.Ordinal));
        }

        Assert.Equal(3, (await clinic.SearchAsync<Observation>($"Observation?subject=Patient/{clinic.PatientId}&_count=100")).Count);
        Assert.Equal(["bp-intra", "hr"], (await clinic.FlagsAsync()).Select(f => f.Code.Coding.Single().Code).Order(StringComparer.Ordinal));
        Assert.Equal(2, (await clinic.IssuesAsync()).Count);
        Assert.Equal(2, (await clinic.CommunicationsAsync()).Count);
    }

    [Fact]
    public async Task A_dose_per_kg_above_the_maximum_against_the_latest_weight_is_a_high_severity_issue()
    {
        using var client = factory.CreateFhirClient();
        var clinic = await new SafetyClinic(client).StartAsync();
        await clinic.PostAsync(clinic.BodyWeight(90, TimeSpan.FromDays(-40)));           // too old to count
        var (_, _, weight) = await clinic.PostAsync(clinic.BodyWeight(70, TimeSpan.FromMinutes(-55)));

        // 0.6 mg/kg prescribed, but 77 mg given to 70 kg = 1.1 mg/kg over 40 minutes (1.65 mg/kg/h).
        var (_, outcome, id) = await clinic.PostAsync(clinic.Administration(77, 0.6m, weight, 40));

        var warnings = outcome.Issue.Where(i => i.Severity == OperationOutcome.IssueSeverity.Warning && i.Details?.Coding.Count == 1).ToList();
        Assert.Equal(["dose-high", "rate-high"], warnings.Select(w => w.Details.Coding.Single().Code).Order(StringComparer.Ordinal));
        Assert.Contains("given 1.1 mg/kg is above the maximum 1 mg/kg", warnings.Single(w => w.Details.Coding[0].Code == "dose-high").Diagnostics, StringComparison.Ordinal);
        var issue = Assert.Single(await clinic.IssuesAsync(), i => i.Code.Coding.Any(c => c.Code == "dose-high"));
        Assert.Equal(DetectedIssue.DetectedIssueSeverity.High, issue.Severity);
        Assert.Contains(issue.Code.Coding, c => c.System == "http://terminology.hl7.org/CodeSystem/v3-ActCode" && c.Code == "DOSEHINDW");
        Assert.Equal($"MedicationAdministration/{id}", issue.Implicated.Single().Reference);
        Assert.Contains("differs from 0.6 mg/kg × 70 kg = 42 mg", issue.Detail, StringComparison.Ordinal);
        Assert.Single(await clinic.FlagsAsync(), f => f.Code.Coding[0].Code == "dose-high" && f.Status == Flag.FlagStatus.Active);

        // The next administration within limits (42 mg = 0.6 mg/kg over 50 minutes) closes the dose and rate flags.
        await clinic.PostAsync(clinic.Administration(42, 0.6m, weight, 50));
        Assert.All(await clinic.FlagsAsync(), f => Assert.Equal(Flag.FlagStatus.Inactive, f.Status));
    }

    [Fact]
    public async Task An_administration_without_a_recent_weight_raises_weight_missing()
    {
        using var client = factory.CreateFhirClient();
        var clinic = await new SafetyClinic(client).StartAsync();
        var (_, _, old) = await clinic.PostAsync(clinic.BodyWeight(70, TimeSpan.FromDays(-45)));

        var (_, outcome, _) = await clinic.PostAsync(clinic.Administration(35, 0.5m, old, 40));

        Assert.Contains(outcome.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Warning && i.Details?.Coding.SingleOrDefault()?.Code == "weight-missing");
        Assert.Single(await clinic.FlagsAsync(), f => f.Code.Coding[0].Code == "weight-missing");
    }

    [Fact]
    public async Task A_phq9_with_thoughts_of_self_harm_raises_a_stat_alert_and_not_at_all_closes_it()
    {
        using var client = factory.CreateFhirClient();
        var clinic = await new SafetyClinic(client).StartAsync();

        var (_, outcome, id) = await clinic.PostAsync(clinic.Phq9("LA6570-1"));

        Assert.Contains(outcome.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Warning && i.Details.Coding.Single().Code == "si");
        var flag = Assert.Single(await clinic.FlagsAsync());
        Assert.Equal("si", flag.Code.Coding.Single().Code);
        var alert = Assert.Single(await clinic.CommunicationsAsync());
        Assert.Equal(RequestPriority.Stat, alert.Priority);
        Assert.Contains(alert.About, a => a.Reference == $"QuestionnaireResponse/{id}");

        // "Not at all" on the next PHQ-9 ends the episode; a clean PHQ-9 raises nothing.
        var (_, clean, _) = await clinic.PostAsync(clinic.Phq9(SuicidalIdeationRule.NotAtAll));
        Assert.DoesNotContain(clean.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Warning);
        Assert.Equal(Flag.FlagStatus.Inactive, Assert.Single(await clinic.FlagsAsync()).Status);
    }

    [Fact]
    public async Task A_monitor_named_by_identifier_is_linked_to_its_device()
    {
        using var client = factory.CreateFhirClient();
        var clinic = await new SafetyClinic(client).StartAsync();
        var serial = $"M-{Guid.NewGuid():N}";
        var device = await client.CreateAsync(new Device { Identifier = [new Identifier("urn:ketamine-clinic:monitor", serial)] });
        var reading = JsonNode.Parse(clinic.HeartRate(72, TimeSpan.FromMinutes(-4)))!.AsObject();
        reading["device"] = new JsonObject { ["identifier"] = new JsonObject { ["system"] = "urn:ketamine-clinic:monitor", ["value"] = serial } };
        var unknown = JsonNode.Parse(clinic.HeartRate(73, TimeSpan.FromMinutes(-3)))!.AsObject();
        unknown["device"] = new JsonObject { ["identifier"] = new JsonObject { ["system"] = "urn:ketamine-clinic:monitor", ["value"] = "not-registered" } };

        var (_, _, id) = await clinic.PostAsync(reading.ToJsonString());
        var (_, _, other) = await clinic.PostAsync(unknown.ToJsonString());

        var stored = await (await client.GetAsync($"Observation/{id}")).ReadAsync<Observation>();
        Assert.Equal($"Device/{device.Id}", stored.Device.Reference);
        Assert.Equal(serial, stored.Device.Identifier.Value);
        Assert.Equal($"Encounter/{clinic.EncounterId}", stored.Encounter.Reference);
        var left = await (await client.GetAsync($"Observation/{other}")).ReadAsync<Observation>();
        Assert.Null(left.Device.Reference);
    }
}
