using System.Net;
using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Tests.Progress;

/// <summary>
/// <c>$ketamine-progress</c> over the journey patient, every figure checked against values worked out by hand from
/// examples/journey: PHQ-9 21 (evaluation) → 20 (baseline, infusion 1) → 16 → 9 → 4; GAD-7 15 → 15 → 8; 80 kg;
/// 40 mg (0.5 mg/kg) over 40 min for infusions 1–3 and 7, 48 mg (0.6 mg/kg) over 48 min for 4–6.
/// </summary>
public sealed class KetamineProgressTests(JourneyServer journey) : IClassFixture<JourneyServer>
{
    private readonly HttpClient _client = journey.Server.CreateFhirClient();

    [Fact]
    public async Task Phq9_and_gad7_series_with_change_from_baseline_response_and_remission()
    {
        var progress = await GetAsync($"Patient/{Journey.PatientId}/$ketamine-progress");
        Assert.Equal($"Patient/{Journey.PatientId}", Assert.IsType<ResourceReference>(progress.Parameter.Single(p => p.Name == "patient").Value).Reference);

        var phq9 = Instrument(progress, "PHQ-9");
        Assert.Equal("44261-6", Assert.IsType<Coding>(phq9.Part.Single(p => p.Name == "code").Value).Code);
        var baseline = phq9.Part.Single(p => p.Name == "baseline");
        Assert.Equal(20, Value<Integer>(baseline, "score").Value);
        Assert.Equal("2025-04-07T09:05:00-04:00", Value<FhirDateTime>(baseline, "date").Value);
        Assert.Equal("Observation/journey-phq9-total-s1", Sources(baseline).Single());

        var scores = phq9.Part.Where(p => p.Name == "score").ToList();
        Assert.Equal([21, 20, 16, 9, 4], scores.Select(s => Value<Integer>(s, "score").Value!.Value));
        Assert.Equal([null, null, -4, -11, -16], scores.Select(s => s.Part.SingleOrDefault(p => p.Name == "changePoints")?.Value is Integer i ? i.Value : null));
        Assert.Equal([null, null, -20.0m, -55.0m, -80.0m], scores.Select(s => s.Part.SingleOrDefault(p => p.Name == "changePercent")?.Value is FhirDecimal d ? d.Value : null));
        Assert.Equal("Observation/journey-phq9-total-s6", Sources(scores[3]).Single());

        var response = phq9.Part.Single(p => p.Name == "response");
        Assert.Equal("response", Value<Code>(response, "status").Value);
        Assert.Equal("2025-04-18T09:05:00-04:00", Value<FhirDateTime>(response, "firstReached").Value);
        Assert.Equal("Observation/journey-phq9-total-s6", Sources(response).Single());
        var remission = phq9.Part.Single(p => p.Name == "remission");
        Assert.Equal("remission", Value<Code>(remission, "status").Value);
        Assert.Equal("2025-05-16T09:05:00-04:00", Value<FhirDateTime>(remission, "firstReached").Value);
        Assert.Equal("Observation/journey-phq9-total-s7", Sources(remission).Single());

        var gad7 = Instrument(progress, "GAD-7");
        Assert.Equal(15, Value<Integer>(gad7.Part.Single(p => p.Name == "baseline"), "score").Value);
        var last = gad7.Part.Where(p => p.Name == "score").Last();
        Assert.Equal(-7, Value<Integer>(last, "changePoints").Value);
        Assert.Equal(-46.7m, Value<FhirDecimal>(last, "changePercent").Value);
        Assert.Equal("partial-response", Value<Code>(gad7.Part.Single(p => p.Name == "response"), "status").Value);
        Assert.DoesNotContain(gad7.Part.Single(p => p.Name == "response").Part, p => p.Name == "firstReached");
        Assert.Equal("no-remission", Value<Code>(gad7.Part.Single(p => p.Name == "remission"), "status").Value);
    }

    [Fact]
    public async Task Each_session_has_its_dose_duration_rate_and_vitals_with_their_sources()
    {
        var progress = await GetAsync($"Patient/{Journey.PatientId}/$ketamine-progress");
        var sessions = progress.Parameter.Where(p => p.Name == "session").ToList();

        Assert.Equal([1, 2, 3, 4, 5, 6, 7], sessions.Select(s => ((PositiveInt)Figure(s, "infusionNumber")).Value!.Value));
        Assert.Equal([40m, 40m, 40m, 48m, 48m, 48m, 40m], sessions.Select(s => ((Quantity)Figure(s, "doseMg")).Value!.Value));
        Assert.Equal([0.5m, 0.5m, 0.5m, 0.6m, 0.6m, 0.6m, 0.5m], sessions.Select(s => ((Quantity)Figure(s, "administeredMgPerKg")).Value!.Value));
        Assert.Equal([0.5m, 0.5m, 0.5m, 0.6m, 0.6m, 0.6m, 0.5m], sessions.Select(s => ((Quantity)Figure(s, "dosePerKg")).Value!.Value));
        Assert.Equal([40m, 40m, 40m, 48m, 48m, 48m, 40m], sessions.Select(s => ((FhirDecimal)Figure(s, "durationMinutes")).Value!.Value));
        Assert.All(sessions, s => Assert.Equal(0.75m, ((Quantity)Figure(s, "rate")).Value));
        Assert.All(sessions, s => Assert.Equal("mg/kg/h", ((Quantity)Figure(s, "rate")).Code));

        var s4 = sessions[3];
        Assert.Equal("2025-04-14T09:30:00-04:00", ((FhirDateTime)Figure(s4, "date")).Value);
        Assert.Equal("Procedure/journey-procedure-s4", Ref(s4, "procedure"));
        Assert.Equal("Encounter/journey-encounter-s4", Ref(s4, "encounter"));
        Assert.Equal("CarePlan/journey-plan-induction", Ref(s4, "carePlan"));
        Assert.Equal(["MedicationAdministration/journey-medadmin-s4"], Sources(s4.Part.Single(p => p.Name == "doseMg")));
        Assert.Equal(["MedicationAdministration/journey-medadmin-s4", "Observation/journey-weight-baseline-s4"], Sources(s4.Part.Single(p => p.Name == "administeredMgPerKg")));
        Assert.Equal(80m, ((Quantity)Figure(s4, "bodyWeight")).Value);

        // Vitals within each session's Encounter period (09:00–11:30), worked out from the journey files.
        var vitals = sessions.Select(s => s.Part.Single(p => p.Name == "vitals")).ToList();
        Assert.Equal([146m, 150m, 144m, 182m, 152m, 148m, 142m], vitals.Select(v => ((Quantity)Figure(v, "maxSystolic")).Value!.Value));
        Assert.Equal([92m, 94m, 90m, 104m, 92m, 90m, 88m], vitals.Select(v => ((Quantity)Figure(v, "maxDiastolic")).Value!.Value));
        Assert.Equal([87m, 88m, 89m, 90m, 86m, 87m, 88m], vitals.Select(v => ((Quantity)Figure(v, "maxHeartRate")).Value!.Value));
        Assert.Equal([75m, 76m, 77m, 74m, 75m, 76m, 77m], vitals.Select(v => ((Quantity)Figure(v, "minHeartRate")).Value!.Value));
        Assert.Equal([97m, 97m, 97m, 89m, 97m, 97m, 97m], vitals.Select(v => ((Quantity)Figure(v, "minSpO2")).Value!.Value));
        Assert.Equal([9, 9, 9, 10, 9, 9, 9], vitals.Select(v => Value<Integer>(v, "readings").Value!.Value));
        Assert.Equal(["Observation/journey-bp-infusion-0950-s4"], Sources(vitals[3].Part.Single(p => p.Name == "maxSystolic")));
        Assert.Equal(["Observation/journey-hr-infusion-s4"], Sources(vitals[3].Part.Single(p => p.Name == "maxHeartRate")));
        Assert.Equal(["Observation/journey-hr-baseline-s4"], Sources(vitals[3].Part.Single(p => p.Name == "minHeartRate")));
        Assert.Equal(["Observation/journey-spo2-dip-s4"], Sources(vitals[3].Part.Single(p => p.Name == "minSpO2")));
        // The other patient's heart rate of 140 at 09:52 that day is not in session 4.
        Assert.Equal(90m, ((Quantity)Figure(vitals[3], "maxHeartRate")).Value);

        // The flag and the detected issue of infusion 4, and no other session's.
        Assert.Equal("Flag/journey-flag-bp-s4", Ref(s4, "flag"));
        Assert.Equal("DetectedIssue/journey-issue-bp-s4", Ref(s4, "detectedIssue"));
        Assert.All(sessions.Where(s => s != s4), s => Assert.DoesNotContain(s.Part, p => p.Name is "flag" or "detectedIssue"));
    }

    [Fact]
    public async Task Plans_next_session_and_adverse_events()
    {
        var progress = await GetAsync($"Patient/{Journey.PatientId}/$ketamine-progress");

        var plans = progress.Parameter.Where(p => p.Name == "plan").ToList();
        Assert.Equal(["CarePlan/journey-plan-induction", "CarePlan/journey-plan-maintenance"], plans.Select(p => Ref(p, "carePlan")));
        Assert.Equal(["induction", "maintenance"], plans.Select(p => Value<Code>(p, "phase").Value));
        Assert.Equal(6, ((Integer)Figure(plans[0], "planned")).Value);
        Assert.Equal([6, 1], plans.Select(p => Value<Integer>(p.Part.Single(x => x.Name == "completed"), "value").Value!.Value));
        Assert.Equal(6, Sources(plans[0].Part.Single(x => x.Name == "completed")).Count);

        // Maintenance: one booster every 4 weeks, the last on 2025-05-16, so the next is due on 2025-06-13 (long past).
        var next = progress.Parameter.Single(p => p.Name == "nextSession");
        Assert.Equal("2025-06-13", Value<FhirDateTime>(next, "date").Value);
        Assert.True(Value<FhirBoolean>(next, "overdue").Value);
        Assert.Equal(["CarePlan/journey-plan-maintenance"], Sources(next));

        var adverse = progress.Parameter.Single(p => p.Name == "adverseEvent");
        Assert.Equal("2025-04-14T09:50:00-04:00", Value<FhirDateTime>(adverse, "date").Value);
        Assert.Equal("Transient hypertension during infusion", Value<CodeableConcept>(adverse, "event").Text);
        Assert.Equal(["AdverseEvent/journey-adverse-s4"], Sources(adverse));
        Assert.DoesNotContain(progress.Parameter, p => p.Name == "outcome");
    }

    [Fact]
    public async Task Get_post_and_type_level_give_the_same_answer()
    {
        var get = Normalised(await GetAsync($"Patient/{Journey.PatientId}/$ketamine-progress"));

        using var post = await _client.PostAsync($"Patient/{Journey.PatientId}/$ketamine-progress", Fhir.Json(new Parameters()));
        Assert.Equal(HttpStatusCode.OK, post.StatusCode);
        Assert.Equal(get, Normalised(await post.ReadAsync<Parameters>()));

        Assert.Equal(get, Normalised(await GetAsync($"Patient/$ketamine-progress?patient={Journey.PatientId}")));
        Assert.Equal(get, Normalised(await GetAsync($"Patient/$ketamine-progress?patient=Patient/{Journey.PatientId}")));

        var input = new Parameters();
        input.Parameter.Add(new Parameters.ParameterComponent { Name = "patient", Value = new FhirString(Journey.PatientId) });
        using var typePost = await _client.PostAsync("Patient/$ketamine-progress", Fhir.Json(input));
        Assert.Equal(HttpStatusCode.OK, typePost.StatusCode);
        Assert.Equal(get, Normalised(await typePost.ReadAsync<Parameters>()));
    }

    [Fact]
    public async Task A_patient_without_infusions_has_scores_but_nothing_to_judge()
    {
        var progress = await GetAsync($"Patient/{Journey.OtherPatientId}/$ketamine-progress");
        var phq9 = Instrument(progress, "PHQ-9");
        Assert.DoesNotContain(phq9.Part, p => p.Name is "baseline" or "score");
        Assert.Equal("not-evaluable", Value<Code>(phq9.Part.Single(p => p.Name == "response"), "status").Value);
        Assert.Contains("No infusion", Value<FhirString>(phq9.Part.Single(p => p.Name == "response"), "reason").Value, StringComparison.Ordinal);
        Assert.DoesNotContain(progress.Parameter, p => p.Name is "session" or "plan" or "nextSession");
    }

    [Theory]
    [InlineData("GET", "Patient/nobody/$ketamine-progress", HttpStatusCode.NotFound)]
    [InlineData("POST", "Patient/nobody/$ketamine-progress", HttpStatusCode.NotFound)]
    [InlineData("GET", "Patient/$ketamine-progress?patient=nobody", HttpStatusCode.NotFound)]
    [InlineData("GET", "Patient/$ketamine-progress", HttpStatusCode.BadRequest)]
    [InlineData("GET", "Patient/journey-patient/$ketamine-progress?patient=other-patient", HttpStatusCode.BadRequest)]
    [InlineData("GET", "Patient/journey-patient/$ketamine-progress?since=2025", HttpStatusCode.BadRequest)]
    public async Task Errors_are_OperationOutcomes(string method, string path, HttpStatusCode status)
    {
        using var response = await _client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        Assert.Equal(status, response.StatusCode);
        var outcome = await response.ReadAsync<OperationOutcome>();
        Assert.Contains(outcome.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Error);
    }

    [Fact]
    public async Task The_OperationDefinition_ships_in_the_IG_package()
    {
        using var response = await _client.GetAsync("OperationDefinition?url=http://fhir-ketamine.org/fhir/OperationDefinition/ketamine-progress");
        var bundle = await response.ReadAsync<Bundle>();
        var definition = Assert.IsType<OperationDefinition>(Assert.Single(bundle.Entry).Resource);
        Assert.Equal("ketamine-progress", definition.Code);
        Assert.True(definition.Instance);
        Assert.True(definition.Type);
        var outs = definition.Parameter.Where(p => p.Use == OperationParameterUse.Out).Select(p => p.Name).ToList();
        Assert.Equal(["patient", "generated", "instrument", "session", "plan", "nextSession", "adverseEvent", "outcome"], outs);
    }

    private async Task<Parameters> GetAsync(string url)
    {
        using var response = await _client.GetAsync(url);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.ReadAsync<Parameters>();
    }

    private static string Normalised(Parameters parameters)
    {
        parameters.Parameter.RemoveAll(p => p.Name == "generated");
        return Fhir.ToJson(parameters);
    }

    private static Parameters.ParameterComponent Instrument(Parameters progress, string name) =>
        progress.Parameter.Single(p => p.Name == "instrument" && p.Part.Any(x => x.Name == "name" && x.Value is FhirString { Value: var n } && n == name));

    private static T Value<T>(Parameters.ParameterComponent group, string name)
        where T : DataType => Assert.IsType<T>(group.Part.Single(p => p.Name == name).Value);

    private static DataType Figure(Parameters.ParameterComponent group, string name) =>
        group.Part.Single(p => p.Name == name).Part.Single(p => p.Name == "value").Value!;

    private static List<string> Sources(Parameters.ParameterComponent group) =>
        group.Part.Where(p => p.Name == "source").Select(p => Assert.IsType<ResourceReference>(p.Value).Reference!).ToList();

    private static string Ref(Parameters.ParameterComponent group, string name) =>
        Assert.IsType<ResourceReference>(group.Part.Single(p => p.Name == name).Value).Reference!;
}
