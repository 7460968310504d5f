using System.Globalization;
using System.Net;
using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Tests.Progress;

/// <summary><c>Patient/[id]/$everything</c> over the journey patient (authorisation off: every type readable).</summary>
public sealed class PatientEverythingTests(JourneyServer journey) : IClassFixture<JourneyServer>
{
    private readonly HttpClient _client = journey.Server.CreateFhirClient();

    [Fact]
    public async Task Everything_is_the_patient_its_compartment_and_the_resources_they_reference()
    {
        var bundle = await GetBundleAsync($"Patient/{Journey.PatientId}/$everything?_count=1000");

        Assert.Equal(Bundle.BundleType.Searchset, bundle.Type);
        Assert.Equal(Journey.JourneyCount, bundle.Total);
        Assert.Equal(Journey.JourneyCount, bundle.Entry.Count);
        Assert.Equal($"Patient/{Journey.PatientId}", Key(bundle.Entry[0]));
        var keys = bundle.Entry.Select(Key).ToList();
        Assert.Equal(keys.Count, keys.Distinct().Count());

        // Every journey file is there: the compartment (subject, patient, performer…) and what it points to.
        foreach (var file in Journey.Files())
        {
            var name = Path.GetFileNameWithoutExtension(file);
            var dash = name.IndexOf('-', StringComparison.Ordinal);
            Assert.Contains($"{name[..dash]}/{name[(dash + 1)..]}", keys);
        }

        Assert.Contains("AdverseEvent/journey-adverse-s4", keys);
        Assert.Contains("Flag/journey-flag-bp-s4", keys);

        // Referenced, not in the compartment: included as such.
        foreach (var included in new[] { "Device/journey-pump", "Device/journey-monitor", "Organization/journey-clinic", "Practitioner/journey-referrer", "Practitioner/journey-nurse", "Practitioner/journey-psychiatrist" })
        {
            Assert.Equal(Bundle.SearchEntryMode.Include, bundle.Entry.Single(e => Key(e) == included).Search!.Mode);
        }

        Assert.Equal(Bundle.SearchEntryMode.Match, bundle.Entry.Single(e => Key(e) == "Procedure/journey-procedure-s1").Search!.Mode);
        Assert.DoesNotContain("Patient/" + Journey.OtherPatientId, keys);
        Assert.DoesNotContain("Observation/other-hr", keys);
    }

    [Fact]
    public async Task Type_keeps_only_the_named_types()
    {
        var bundle = await GetBundleAsync($"Patient/{Journey.PatientId}/$everything?_type=Procedure,MedicationAdministration&_type=Device&_count=1000");

        Assert.Equal(7 + 7 + 2, bundle.Total);
        Assert.All(bundle.Entry, e => Assert.Contains(e.Resource!.TypeName, new[] { "Procedure", "MedicationAdministration", "Device" }));
        Assert.Equal(2, bundle.Entry.Count(e => e.Resource is Device));
    }

    [Fact]
    public async Task Pages_follow_next_links_to_every_entry_exactly_once()
    {
        var seen = new List<string>();
        var url = $"Patient/{Journey.PatientId}/$everything?_count=50";
        var pages = 0;
        while (url is not null)
        {
            var page = await GetBundleAsync(url);
            pages++;
            Assert.Equal(Journey.JourneyCount, page.Total);
            Assert.True(page.Entry.Count <= 50);
            Assert.NotNull(page.Link.SingleOrDefault(l => l.Relation == "self"));
            seen.AddRange(page.Entry.Select(Key));
            url = page.Link.SingleOrDefault(l => l.Relation == "next")?.Url;
        }

        Assert.Equal((Journey.JourneyCount + 49) / 50, pages);
        Assert.Equal(Journey.JourneyCount, seen.Count);
        Assert.Equal(seen.Count, seen.Distinct().Count());
    }

    [Fact]
    public async Task Since_returns_only_what_changed_after_it()
    {
        var since = DateTimeOffset.UtcNow.AddMilliseconds(-5);
        foreach (var path in new[] { "Practitioner/journey-nurse", "Observation/journey-phq9-total-s3" })
        {
            var current = await _client.GetStringAsync(path);
            using var put = await _client.PutAsync(path, Fhir.Json(current));
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        var bundle = await GetBundleAsync($"Patient/{Journey.PatientId}/$everything?_since={Uri.EscapeDataString(since.ToString("o", CultureInfo.InvariantCulture))}");

        Assert.Equal(["Observation/journey-phq9-total-s3", "Practitioner/journey-nurse"], bundle.Entry.Select(Key).Order(StringComparer.Ordinal));
        Assert.Equal(Bundle.SearchEntryMode.Include, bundle.Entry.Single(e => e.Resource is Practitioner).Search!.Mode);
        Assert.Contains("_since=", bundle.Link.Single(l => l.Relation == "self").Url, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Patient/nobody/$everything", HttpStatusCode.NotFound)]
    [InlineData("Patient/journey-patient/$everything?_type=Nonsense", HttpStatusCode.BadRequest)]
    [InlineData("Patient/journey-patient/$everything?_since=yesterday", HttpStatusCode.BadRequest)]
    [InlineData("Patient/journey-patient/$everything?colour=red", HttpStatusCode.BadRequest)]
    [InlineData("Patient/journey-patient/$everything?start=2025-04-01", HttpStatusCode.BadRequest)]
    public async Task Bad_requests_get_an_OperationOutcome(string path, HttpStatusCode status)
    {
        using var response = await _client.GetAsync(path);
        Assert.Equal(status, response.StatusCode);
        var outcome = await response.ReadAsync<OperationOutcome>();
        Assert.Contains(outcome.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Error);
    }

    [Fact]
    public async Task CapabilityStatement_advertises_both_operations_on_Patient()
    {
        var statement = await (await _client.GetAsync("metadata")).ReadAsync<CapabilityStatement>();
        var patient = statement.Rest[0].Resource.Single(r => r.Type == "Patient");
        Assert.Contains(patient.Operation, o => o.Name == "everything" && o.Definition == "http://hl7.org/fhir/OperationDefinition/Patient-everything");
        Assert.Contains(patient.Operation, o => o.Name == "ketamine-progress" && o.Definition == "http://fhir-ketamine.org/fhir/OperationDefinition/ketamine-progress");
    }

    private async Task<Bundle> GetBundleAsync(string url)
    {
        using var response = await _client.GetAsync(url);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.ReadAsync<Bundle>();
    }

    private static string Key(Bundle.EntryComponent entry) => $"{entry.Resource!.TypeName}/{entry.Resource.Id}";
}
