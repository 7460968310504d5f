// Firely's model is nullable-annotated throughout; in these tests a missing element is a failed assertion.
#nullable disable warnings

using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Tests.Safety;

/// <summary>
/// A patient in an infusion session as the tests of the safety rules need one: an Encounter open since an hour
/// ago and an infusion Procedure started half an hour ago, and the gateway's readings (patient and time only).
/// </summary>
internal sealed class SafetyClinic(HttpClient client)
{
    public static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    public string PatientId { get; private set; }

    public string EncounterId { get; private set; }

    public string ProcedureId { get; private set; }

    /// <summary>The instant <see cref="At"/> writes, to compare with what the server wrote.</summary>
    public static DateTimeOffset Instant(TimeSpan offset) => DateTimeOffset.Parse(At(offset), CultureInfo.InvariantCulture);

    public static string At(TimeSpan offset) => (Now + offset).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    /// <summary>A patient; <paramref name="inSession"/>: with an open session whose infusion started 30 minutes ago.</summary>
    public async Task<SafetyClinic> StartAsync(bool inSession = true)
    {
        PatientId = (await client.CreateAsync(Fhir.Patient("Safety"))).Id;
        if (inSession)
        {
            await OpenSessionAsync();
        }

        return this;
    }

    /// <summary>Opens the session: the Encounter (since an hour ago) and the infusion Procedure (since 30 minutes ago); the outcomes of both posts.</summary>
    public async Task<(OperationOutcome Encounter, OperationOutcome Procedure)> OpenSessionAsync()
    {
        var (_, encounter, encounterId) = await PostAsync(Encounter("in-progress", end: null));
        EncounterId = encounterId;
        var (_, procedure, procedureId) = await PostAsync($$$"""
            {"resourceType":"Procedure","status":"in-progress",
             "extension":[{"url":"http://fhir-ketamine.org/fhir/StructureDefinition/infusion-number","valuePositiveInt":1}],
             "basedOn":[{"reference":"CarePlan/plan-{{{PatientId}}}"}],
             "code":{"coding":[{"system":"http://snomed.info/sct","code":"14152002","display":"Intravenous infusion"}]},
             "subject":{"reference":"Patient/{{{PatientId}}}"},"encounter":{"reference":"Encounter/{{{EncounterId}}}"},
             "performedPeriod":{"start":"{{{At(TimeSpan.FromMinutes(-30))}}}"},
             "reasonReference":[{"reference":"Condition/indication-{{{PatientId}}}"}]}
            """);
        ProcedureId = procedureId;
        return (encounter, procedure);
    }

    /// <summary>The session Encounter (<see cref="EncounterId"/> once stored) with <paramref name="status"/>, begun an hour ago, ended at <paramref name="end"/>.</summary>
    public string Encounter(string status, TimeSpan? end) => $$$"""
        {"resourceType":"Encounter",{{{(EncounterId is null ? string.Empty : $"\"id\":\"{EncounterId}\",")}}}"status":"{{{status}}}",
         "class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"},
         "type":[{"coding":[{"system":"http://fhir-ketamine.org/fhir/CodeSystem/ketamine-encounter-type","code":"infusion-session"}]}],
         "subject":{"reference":"Patient/{{{PatientId}}}"},
         "period":{"start":"{{{At(TimeSpan.FromHours(-1))}}}"{{{(end is { } e ? $",\"end\":\"{At(e)}\"" : string.Empty)}}}}}
        """;

    /// <summary>A Condition of this patient coded <paramref name="system"/>|<paramref name="code"/> (an <paramref name="id"/> to update one; entered in error: no clinical status, core con-5).</summary>
    public string Condition(string system, string code, string clinicalStatus = "active", string verificationStatus = "confirmed", string id = null)
    {
        var clinical = verificationStatus == "entered-in-error" ? string.Empty : $$"""
            "clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"{{clinicalStatus}}"}]},
            """;
        return $$$"""
            {"resourceType":"Condition",{{{(id is null ? string.Empty : $"\"id\":\"{id}\",")}}}{{{clinical}}}
             "verificationStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-ver-status","code":"{{{verificationStatus}}}"}]},
             "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-category","code":"problem-list-item"}]}],
             "code":{"coding":[{"system":"{{{system}}}","code":"{{{code}}}"}]},
             "subject":{"reference":"Patient/{{{PatientId}}}"}}
            """;
    }

    /// <summary>A modified Aldrete total in the session (the IG's recovery-score profile).</summary>
    public string Aldrete(int score, TimeSpan when) => $$$"""
        {"resourceType":"Observation","status":"final",
         "extension":[{"url":"http://fhir-ketamine.org/fhir/StructureDefinition/infusion-phase","valueCode":"discharge"}],
         "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"survey"}]}],
         "code":{"coding":[{"system":"http://fhir-ketamine.org/fhir/CodeSystem/ketamine-observation","code":"aldrete-total"}]},
         "subject":{"reference":"Patient/{{{PatientId}}}"},"encounter":{"reference":"Encounter/{{{EncounterId}}}"},
         "effectiveDateTime":"{{{At(when)}}}","valueInteger":{{{score}}}}
        """;

    /// <summary>A yes/no discharge item (<c>companion-present</c>, <c>discharge-ready</c>) recorded as an Observation in the session.</summary>
    public string DischargeItem(string code, bool value, TimeSpan when) => $$$"""
        {"resourceType":"Observation","status":"final",
         "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"survey"}]}],
         "code":{"coding":[{"system":"http://fhir-ketamine.org/fhir/CodeSystem/ketamine-observation","code":"{{{code}}}"}]},
         "subject":{"reference":"Patient/{{{PatientId}}}"},"encounter":{"reference":"Encounter/{{{EncounterId}}}"},
         "effectiveDateTime":"{{{At(when)}}}","valueBoolean":{{{(value ? "true" : "false")}}}}
        """;

    /// <summary>The IG's example discharge checklist of the journey, answered in this session.</summary>
    public string DischargeChecklist(int aldrete, bool companion, bool ready, TimeSpan when)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "examples", "journey", "QuestionnaireResponse-journey-qr-discharge-s1.json");
        var response = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        response.Remove("id");
        response["subject"] = new JsonObject { ["reference"] = $"Patient/{PatientId}" };
        response["author"] = new JsonObject { ["reference"] = $"Patient/{PatientId}" };
        response["encounter"] = new JsonObject { ["reference"] = $"Encounter/{EncounterId}" };
        response["authored"] = At(when);
        JsonNode Answer(string linkId) => response["item"]!.AsArray().Single(i => (string)i!["linkId"] == linkId)!["answer"]![0]!;
        Answer("aldrete-total")["valueInteger"] = aldrete;
        Answer("companion-present")["valueBoolean"] = companion;
        Answer("discharge-ready")["valueBoolean"] = ready;
        return response.ToJsonString();
    }

    public string BloodPressure(decimal systolic, decimal diastolic, TimeSpan when, string reading = null) => $$$"""
        {"resourceType":"Observation","status":"final",{{{Identifier(reading)}}}
         "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],
         "code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}]},
         "subject":{"reference":"Patient/{{{PatientId}}}"},"effectiveDateTime":"{{{At(when)}}}",
         "component":[
           {"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":{{{systolic}}},"unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]"}},
           {"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueQuantity":{"value":{{{diastolic}}},"unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]"}}]}
        """;

    public string HeartRate(decimal bpm, TimeSpan when, string reading = null) => $$$"""
        {"resourceType":"Observation","status":"final",{{{Identifier(reading)}}}
         "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],
         "code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},
         "subject":{"reference":"Patient/{{{PatientId}}}"},"effectiveDateTime":"{{{At(when)}}}",
         "valueQuantity":{"value":{{{bpm}}},"unit":"/min","system":"http://unitsofmeasure.org","code":"/min"}}
        """;

    public string BodyWeight(decimal kg, TimeSpan when) => $$$"""
        {"resourceType":"Observation","status":"final",
         "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],
         "code":{"coding":[{"system":"http://loinc.org","code":"29463-7"}]},
         "subject":{"reference":"Patient/{{{PatientId}}}"},"effectiveDateTime":"{{{At(when)}}}",
         "valueQuantity":{"value":{{{kg}}},"unit":"kg","system":"http://unitsofmeasure.org","code":"kg"}}
        """;

    /// <summary>A ketamine administration of <paramref name="mg"/> at a prescribed <paramref name="perKg"/> over the last <paramref name="minutes"/>.</summary>
    public string Administration(decimal mg, decimal perKg, string weightId, int minutes) => $$$"""
        {"resourceType":"MedicationAdministration","status":"completed",
         "medicationCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"238083"}]},
         "subject":{"reference":"Patient/{{{PatientId}}}"},"context":{"reference":"Encounter/{{{EncounterId}}}"},
         "partOf":[{"reference":"Procedure/{{{ProcedureId}}}"}],
         "effectivePeriod":{"start":"{{{At(TimeSpan.FromMinutes(-minutes))}}}","end":"{{{At(TimeSpan.Zero)}}}"},
         "reasonReference":[{"reference":"Condition/indication-{{{PatientId}}}"}],
         "supportingInformation":[{"reference":"Observation/{{{weightId}}}"}],
         "dosage":{"extension":[{"url":"http://fhir-ketamine.org/fhir/StructureDefinition/dose-per-kg","valueQuantity":{"value":{{{perKg}}},"unit":"mg/kg","system":"http://unitsofmeasure.org","code":"mg/kg"}}],
           "route":{"coding":[{"system":"http://snomed.info/sct","code":"47625008","display":"Intravenous route"}]},
           "dose":{"value":{{{mg}}},"unit":"mg","system":"http://unitsofmeasure.org","code":"mg"} } }
        """;

    /// <summary>The IG's example PHQ-9 response of the journey, answered by this patient, item 9 set to <paramref name="item9"/>.</summary>
    public string Phq9(string item9)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "examples", "journey", "QuestionnaireResponse-journey-qr-phq9-s1.json");
        var response = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        response.Remove("id");
        response["subject"] = new JsonObject { ["reference"] = $"Patient/{PatientId}" };
        response["author"] = new JsonObject { ["reference"] = $"Patient/{PatientId}" };
        response.Remove("encounter");
        response["authored"] = At(TimeSpan.FromMinutes(-50));
        var item = response["item"]!.AsArray().Single(i => (string)i!["linkId"] == "phq9-9")!;
        item["answer"]![0]!["valueCoding"]!["code"] = item9;
        return response.ToJsonString();
    }

    /// <summary>POSTs <paramref name="json"/> asking for the OperationOutcome; returns the status, the outcome and the new id.</summary>
    public async Task<(HttpStatusCode Status, OperationOutcome Outcome, string Id)> PostAsync(string json)
    {
        var type = (string)JsonNode.Parse(json)!["resourceType"];
        var request = new HttpRequestMessage(HttpMethod.Post, type) { Content = Fhir.Json(json) };
        request.Headers.Add("Prefer", "return=OperationOutcome");
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        var id = response.Headers.Location!.OriginalString.Split('/')[^3];
        return (response.StatusCode, await response.ReadAsync<OperationOutcome>(), id);
    }

    /// <summary>PUTs <paramref name="json"/> to <paramref name="type"/>/<paramref name="id"/> asking for the OperationOutcome.</summary>
    public async Task<OperationOutcome> PutAsync(string type, string id, string json)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, $"{type}/{id}") { Content = Fhir.Json(json) };
        request.Headers.Add("Prefer", "return=OperationOutcome");
        using var response = await client.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.ReadAsync<OperationOutcome>();
    }

    public async Task<List<T>> SearchAsync<T>(string query)
        where T : Resource
    {
        var bundle = await (await client.GetAsync(query)).ReadAsync<Bundle>();
        return bundle.Entry.Select(e => e.Resource).OfType<T>().ToList();
    }

    public Task<List<Flag>> FlagsAsync() => SearchAsync<Flag>($"Flag?patient={PatientId}&_count=100");

    public Task<List<DetectedIssue>> IssuesAsync() => SearchAsync<DetectedIssue>($"DetectedIssue?patient={PatientId}&_count=100");

    public Task<List<Communication>> CommunicationsAsync() => SearchAsync<Communication>($"Communication?subject=Patient/{PatientId}&_count=100");

    private static string Identifier(string reading) =>
        reading is null ? string.Empty : $$$"""
            "identifier":[{"system":"urn:gateway:chair-7","value":"{{{reading}}}"}],
            """;
}
