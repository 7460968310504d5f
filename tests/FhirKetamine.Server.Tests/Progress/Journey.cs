using System.Net;
using System.Text.Json.Nodes;

namespace FhirKetamine.Server.Tests.Progress;

/// <summary>
/// The IG's journey patient (examples/journey: an induction series of six infusions and a booster, PHQ-9/GAD-7,
/// vitals per session) plus what the safety rules would have raised at infusion 4 (BP 182/104, an SpO2 dip):
/// a DetectedIssue, a Flag and an AdverseEvent. Also a second patient with a reading, who must never show up.
/// </summary>
internal static class Journey
{
    public const string PatientId = "journey-patient";
    public const string OtherPatientId = "other-patient";

    public static IEnumerable<string> Files() =>
        Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "examples", "journey"), "*.json").Order(StringComparer.Ordinal);

    /// <summary>The number of journey resources plus the extras below that belong to the journey patient.</summary>
    public static int JourneyCount => Files().Count() + Extras.Length;

    private static readonly string[] Extras =
    [
        """{"resourceType":"Observation","id":"journey-spo2-dip-s4","status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"2708-6"},{"system":"http://loinc.org","code":"59408-5"}]},"subject":{"reference":"Patient/journey-patient"},"effectiveDateTime":"2025-04-14T09:55:00-04:00","valueQuantity":{"value":89,"unit":"%","system":"http://unitsofmeasure.org","code":"%"},"device":{"reference":"Device/journey-monitor"}}""",
        """{"resourceType":"DetectedIssue","id":"journey-issue-bp-s4","status":"final","code":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"COND"}]},"severity":"high","patient":{"reference":"Patient/journey-patient"},"identifiedDateTime":"2025-04-14T09:50:00-04:00","implicated":[{"reference":"Observation/journey-bp-infusion-0950-s4"}],"detail":"SBP 182 > 180 during infusion (bp-intra)"}""",
        """{"resourceType":"Flag","id":"journey-flag-bp-s4","status":"inactive","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/flag-category","code":"safety"}]}],"code":{"text":"Blood pressure above 180/110 during infusion"},"subject":{"reference":"Patient/journey-patient"},"period":{"start":"2025-04-14T09:50:00-04:00","end":"2025-04-14T10:30:00-04:00"},"encounter":{"reference":"Encounter/journey-encounter-s4"}}""",
        """{"resourceType":"AdverseEvent","id":"journey-adverse-s4","actuality":"actual","event":{"text":"Transient hypertension during infusion"},"subject":{"reference":"Patient/journey-patient"},"encounter":{"reference":"Encounter/journey-encounter-s4"},"date":"2025-04-14T09:50:00-04:00","seriousness":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/adverse-event-seriousness","code":"non-serious"}]}}""",
    ];

    private static readonly string[] Others =
    [
        """{"resourceType":"Patient","id":"other-patient","name":[{"family":"Zed","given":["Other"]}]}""",
        """{"resourceType":"Observation","id":"other-hr","status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},"subject":{"reference":"Patient/other-patient"},"effectiveDateTime":"2025-04-14T09:52:00-04:00","valueQuantity":{"value":140,"unit":"/min","system":"http://unitsofmeasure.org","code":"/min"},"device":{"reference":"Device/journey-monitor"}}""",
    ];

    /// <summary>Stores everything in one transaction of PUTs (the ids are the examples' own).</summary>
    public static async Task LoadAsync(HttpClient client)
    {
        var entries = new JsonArray();
        foreach (var json in Files().Select(File.ReadAllText).Concat(Extras).Concat(Others))
        {
            var resource = JsonNode.Parse(json)!;
            entries.Add(new JsonObject
            {
                ["resource"] = resource,
                ["request"] = new JsonObject { ["method"] = "PUT", ["url"] = $"{resource["resourceType"]}/{resource["id"]}" },
            });
        }

        var bundle = new JsonObject { ["resourceType"] = "Bundle", ["type"] = "transaction", ["entry"] = entries };
        using var response = await client.PostAsync(string.Empty, Fhir.Json(bundle.ToJsonString()));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.Length > 4000 ? body[..4000] : body);
    }
}
