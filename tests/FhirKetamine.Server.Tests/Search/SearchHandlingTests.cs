// Firely's model is nullable-annotated throughout; in these tests a missing element is a failed assertion
// (a NullReferenceException names it), not something to guard against.
#nullable disable warnings

using System.Net;
using Hl7.Fhir.Model;
using static FhirKetamine.Server.Tests.Search.SearchBundles;

namespace FhirKetamine.Server.Tests.Search;

public sealed class SearchHandlingTests(FhirServerFactory factory) : IClassFixture<FhirServerFactory>
{
    private readonly HttpClient client = factory.CreateFhirClient();

    [Fact]
    public async Task Post_search_with_a_form_body_answers_like_get()
    {
        var patient = (await client.CreateAsync(Fhir.Patient())).Id;
        await client.CreateAsync(Fhir.HeartRate(patient, "2026-03-01T10:00:00Z", 70));
        await client.CreateAsync(Fhir.HeartRate(patient, "2026-03-03T10:00:00Z", 130));
        await client.CreateAsync(Fhir.HeartRate(patient, "2026-03-05T10:00:00Z", 71));

        var get = await client.GetBundleAsync($"Observation?patient={patient}&code={Q("http://loinc.org|8867-4")}&date=ge2026-03-02&_sort=date");
        var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["patient"] = patient,
            ["code"] = "http://loinc.org|8867-4",
            ["date"] = "ge2026-03-02",
            ["_sort"] = "date",
        });
        var post = await client.PostAsync("Observation/_search", form);

        Assert.Equal(HttpStatusCode.OK, post.StatusCode);
        var posted = await post.ReadAsync<Bundle>();
        Assert.Equal(2, get.MatchIds().Count);
        Assert.Equal(get.MatchIds(), posted.MatchIds());
        Assert.Equal(get.Total, posted.Total);
    }

    [Fact]
    public async Task Post_search_mixes_url_and_form_parameters()
    {
        var patient = (await client.CreateAsync(Fhir.Patient())).Id;
        var wanted = (await client.CreateAsync(Fhir.HeartRate(patient, "2026-03-03T10:00:00Z", 70))).Id;
        await client.CreateAsync(Fhir.HeartRate(patient, "2026-03-01T10:00:00Z", 70));

        var post = await client.PostAsync($"Observation/_search?patient={patient}",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["date"] = "ge2026-03-02" }));

        Assert.Equal([wanted], (await post.ReadAsync<Bundle>()).MatchIds());
    }

    [Fact]
    public async Task Unknown_parameter_is_ignored_and_reported_in_an_outcome_entry()
    {
        var patient = (await client.CreateAsync(Fhir.Patient())).Id;
        var obs = (await client.CreateAsync(Fhir.HeartRate(patient, "2026-03-01T10:00:00Z", 70))).Id;

        var bundle = await client.GetBundleAsync($"Observation?patient={patient}&shoe-size=42");

        Assert.Equal([obs], bundle.MatchIds());
        var outcome = Assert.Single(bundle.Entry, e => e.Search?.Mode == Bundle.SearchEntryMode.Outcome);
        var issue = Assert.Single(Assert.IsType<OperationOutcome>(outcome.Resource).Issue);
        Assert.Contains("shoe-size", issue.Diagnostics);
        Assert.DoesNotContain("shoe-size", bundle.Link.Single(l => l.Relation == "self").Url);
    }

    [Fact]
    public async Task Unknown_parameter_with_strict_handling_returns_400_OperationOutcome()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "Observation?shoe-size=42");
        request.Headers.TryAddWithoutValidation("Prefer", "handling=strict");

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var outcome = await response.ReadAsync<OperationOutcome>();
        Assert.Contains(outcome.Issue, i => i.Diagnostics?.Contains("shoe-size") == true);
    }

    [Fact]
    public async Task Known_parameters_with_strict_handling_still_search()
    {
        var patient = (await client.CreateAsync(Fhir.Patient())).Id;
        var obs = (await client.CreateAsync(Fhir.HeartRate(patient, "2026-03-01T10:00:00Z", 70))).Id;
        var request = new HttpRequestMessage(HttpMethod.Get, $"Observation?patient={patient}");
        request.Headers.TryAddWithoutValidation("Prefer", "handling=strict");

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([obs], (await response.ReadAsync<Bundle>()).MatchIds());
    }

    [Fact]
    public async Task Deleted_resources_are_not_found_by_search()
    {
        var patient = (await client.CreateAsync(Fhir.Patient())).Id;
        var kept = (await client.CreateAsync(Fhir.HeartRate(patient, "2026-03-01T10:00:00Z", 70))).Id;
        var gone = (await client.CreateAsync(Fhir.HeartRate(patient, "2026-03-01T11:00:00Z", 71))).Id;
        (await client.DeleteAsync($"Observation/{gone}")).EnsureSuccessStatusCode();

        var bundle = await client.GetBundleAsync($"Observation?patient={patient}");

        Assert.Equal([kept], bundle.MatchIds());
    }

    [Fact]
    public async Task Search_on_updated_resource_uses_the_current_version_only()
    {
        var patient = (await client.CreateAsync(Fhir.Patient())).Id;
        var obs = await client.CreateAsync(Fhir.HeartRate(patient, "2026-03-01T10:00:00Z", 70));
        obs.Value = new Quantity { Value = 150, Unit = "/min", System = "http://unitsofmeasure.org", Code = "/min" };
        (await client.PutAsync($"Observation/{obs.Id}", Fhir.Json(obs))).EnsureSuccessStatusCode();

        var old = await client.GetBundleAsync($"Observation?patient={patient}&value-quantity=lt100");
        var current = await client.GetBundleAsync($"Observation?patient={patient}&value-quantity=gt100");

        Assert.Empty(old.MatchIds());
        Assert.Equal([obs.Id], current.MatchIds());
    }
}
