// Firely's model is nullable-annotated throughout; in these tests a missing element is a failed assertion
// (a NullReferenceException names it), not something to guard against.
#nullable disable warnings

using System.Globalization;
using System.Net;
using FhirKetamine.Server.Tests.Search;
using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Tests.History;

public sealed class HistoryTests(FhirServerFactory factory) : IClassFixture<FhirServerFactory>
{
    private readonly HttpClient client = factory.CreateFhirClient();

    private static string Instant(DateTimeOffset? at) =>
        Uri.EscapeDataString(at!.Value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));

    private async Task<Patient> UpdateAsync(Patient patient, string family)
    {
        patient.Name[0].Family = family;
        var response = await client.PutAsync($"Patient/{patient.Id}", Fhir.Json(patient));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadAsync<Patient>();
    }

    [Fact]
    public async Task Instance_history_lists_versions_newest_first_with_method_and_status()
    {
        var v1 = await client.CreateAsync(Fhir.Patient("Rivera"));
        var v2 = await UpdateAsync(v1, "Rivera-Lopez");
        (await client.DeleteAsync($"Patient/{v1.Id}")).EnsureSuccessStatusCode();

        var history = await client.GetBundleAsync($"Patient/{v1.Id}/_history");

        Assert.Equal(Bundle.BundleType.History, history.Type);
        Assert.Equal(3, history.Total);
        Assert.Equal(3, history.Entry.Count);
        var (deleted, updated, created) = (history.Entry[0], history.Entry[1], history.Entry[2]);

        Assert.Equal(Bundle.HTTPVerb.DELETE, deleted.Request.Method);
        Assert.StartsWith("204", deleted.Response.Status);
        Assert.Null(deleted.Resource);
        Assert.Equal("W/\"3\"", deleted.Response.Etag);

        Assert.Equal(Bundle.HTTPVerb.PUT, updated.Request.Method);
        Assert.Equal($"Patient/{v1.Id}", updated.Request.Url);
        Assert.StartsWith("200", updated.Response.Status);
        Assert.Equal("2", updated.Resource.Meta.VersionId);
        Assert.Equal("Rivera-Lopez", ((Patient)updated.Resource).Name[0].Family);
        Assert.Equal(v2.Meta.LastUpdated, updated.Resource.Meta.LastUpdated);

        Assert.Equal(Bundle.HTTPVerb.POST, created.Request.Method);
        Assert.StartsWith("201", created.Response.Status);
        Assert.Equal("1", created.Resource.Meta.VersionId);
        Assert.Equal("Rivera", ((Patient)created.Resource).Name[0].Family);
        Assert.All(history.Entry, e => Assert.EndsWith($"/Patient/{v1.Id}", e.FullUrl));
    }

    [Fact]
    public async Task Instance_history_of_an_unknown_resource_returns_404()
    {
        var response = await client.GetAsync($"Patient/{Guid.NewGuid():N}/_history");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        await response.ReadAsync<OperationOutcome>();
    }

    [Fact]
    public async Task Type_history_lists_changes_of_that_type_only()
    {
        var start = await client.CreateAsync(Fhir.Patient());
        await Task.Delay(20);
        var patient = await client.CreateAsync(Fhir.Patient());
        var updated = await UpdateAsync(patient, "Nguyen");
        var obs = await client.CreateAsync(Fhir.HeartRate(patient.Id, "2026-03-01T10:00:00Z", 70));

        var history = await client.GetBundleAsync($"Patient/_history?_since={Instant(patient.Meta.LastUpdated)}&_count=1000");

        Assert.All(history.Entry, e => Assert.Contains("/Patient/", e.FullUrl));
        var versions = history.Entry.Where(e => e.Resource?.Id == patient.Id).Select(e => e.Resource.Meta.VersionId).ToList();
        Assert.Equal(["2", "1"], versions);
        Assert.DoesNotContain(history.Entry, e => e.Resource?.Id == start.Id);
        Assert.DoesNotContain(history.Entry, e => e.Resource?.Id == obs.Id);
        Assert.Equal("2", updated.Meta.VersionId);
    }

    [Fact]
    public async Task System_history_lists_changes_of_every_type()
    {
        var patient = await client.CreateAsync(Fhir.Patient());
        var obs = await client.CreateAsync(Fhir.HeartRate(patient.Id, "2026-03-01T10:00:00Z", 70));

        var history = await client.GetBundleAsync($"_history?_since={Instant(patient.Meta.LastUpdated)}&_count=1000");

        Assert.Equal(Bundle.BundleType.History, history.Type);
        Assert.Contains(history.Entry, e => e.Resource is Patient p && p.Id == patient.Id);
        Assert.Contains(history.Entry, e => e.Resource is Observation o && o.Id == obs.Id);
        var order = history.Entry.Select(e => e.Resource?.Id).ToList();
        Assert.True(order.IndexOf(obs.Id) < order.IndexOf(patient.Id), "newest first");
    }

    [Fact]
    public async Task Since_keeps_only_versions_changed_at_or_after_the_instant()
    {
        var v1 = await client.CreateAsync(Fhir.Patient());
        await Task.Delay(20);
        var v2 = await UpdateAsync(v1, "Second");
        await Task.Delay(20);
        var v3 = await UpdateAsync(v2, "Third");

        var history = await client.GetBundleAsync($"Patient/{v1.Id}/_history?_since={Instant(v2.Meta.LastUpdated)}");

        Assert.Equal(["3", "2"], history.Entry.Select(e => e.Resource.Meta.VersionId));
        Assert.Equal(v3.Meta.VersionId, history.Entry[0].Resource.Meta.VersionId);
    }

    [Fact]
    public async Task Count_pages_history_with_next_links_through_every_version()
    {
        var patient = await client.CreateAsync(Fhir.Patient());
        for (var i = 2; i <= 5; i++)
        {
            patient = await UpdateAsync(patient, $"Name{i}");
        }

        var pages = await client.AllPagesAsync($"Patient/{patient.Id}/_history?_count=2");

        Assert.Equal(3, pages.Count);
        Assert.All(pages, p => Assert.Equal(5, p.Total));
        Assert.Equal(["5", "4", "3", "2", "1"], pages.SelectMany(p => p.Entry).Select(e => e.Resource.Meta.VersionId));
    }

    [Fact]
    public async Task History_next_link_is_stable_while_new_versions_arrive()
    {
        var patient = await client.CreateAsync(Fhir.Patient());
        for (var i = 2; i <= 4; i++)
        {
            patient = await UpdateAsync(patient, $"Name{i}");
        }

        var first = await client.GetBundleAsync($"Patient/{patient.Id}/_history?_count=2");
        patient = await UpdateAsync(patient, "Name5");
        var second = await client.GetBundleAsync(first.NextLink()!);

        Assert.Equal(["4", "3"], first.Entry.Select(e => e.Resource.Meta.VersionId));
        Assert.Equal(["2", "1"], second.Entry.Select(e => e.Resource.Meta.VersionId));
        Assert.Null(second.NextLink());
        Assert.Equal("5", patient.Meta.VersionId);
    }

    [Fact]
    public async Task At_returns_the_version_current_at_that_instant()
    {
        var v1 = await client.CreateAsync(Fhir.Patient("First"));
        await Task.Delay(50);
        var v2 = await UpdateAsync(v1, "Second");
        await Task.Delay(50);
        await UpdateAsync(v2, "Third");

        var atV2 = await client.GetBundleAsync($"Patient/{v1.Id}/_history?_at={Instant(v2.Meta.LastUpdated)}");
        var atV1 = await client.GetBundleAsync($"Patient/{v1.Id}/_history?_at={Instant(v1.Meta.LastUpdated!.Value.AddMilliseconds(10))}");
        var before = await client.GetBundleAsync($"Patient/{v1.Id}/_history?_at={Instant(v1.Meta.LastUpdated!.Value.AddMinutes(-5))}");

        var entry = Assert.Single(atV2.Entry);
        Assert.Equal("Second", ((Patient)entry.Resource).Name[0].Family);
        Assert.Equal("1", Assert.Single(atV1.Entry).Resource.Meta.VersionId);
        Assert.Empty(before.Entry);
    }

    [Fact]
    public async Task Unknown_history_parameter_returns_400()
    {
        var patient = await client.CreateAsync(Fhir.Patient());

        var response = await client.GetAsync($"Patient/{patient.Id}/_history?name=x");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await response.ReadAsync<OperationOutcome>();
    }

    [Fact]
    public async Task Bad_since_value_returns_400()
    {
        var response = await client.GetAsync("Patient/_history?_since=yesterday");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await response.ReadAsync<OperationOutcome>();
    }
}
