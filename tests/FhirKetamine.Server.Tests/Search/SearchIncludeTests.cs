// Firely's model is nullable-annotated throughout; in these tests a missing element is a failed assertion
// (a NullReferenceException names it), not something to guard against.
#nullable disable warnings

using System.Net;
using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Tests.Search;

/// <summary>_include and _revinclude: targeted, wildcard, :iterate (cycles included), de-duplicated, page size counting matches only.</summary>
public sealed class SearchIncludeTests(FhirServerFactory factory) : IClassFixture<FhirServerFactory>
{
    private readonly HttpClient client = factory.CreateFhirClient();

    private static List<string> Included(Bundle bundle) =>
        bundle.Entry.Where(e => e.Search?.Mode == Bundle.SearchEntryMode.Include).Select(e => $"{e.Resource.TypeName}/{e.Resource.Id}").ToList();

    private async Task<string> PractitionerAsync(string family) =>
        (await client.CreateAsync(new Practitioner { Name = [new HumanName { Family = family }] })).Id;

    private async Task<string> PatientAsync(string family, string? gp = null) =>
        (await client.CreateAsync(new Patient
        {
            Name = [new HumanName { Family = family }],
            GeneralPractitioner = gp is null ? [] : [new ResourceReference($"Practitioner/{gp}")],
        })).Id;

    private async Task<string> HeartRateAsync(string patient, string? performer = null)
    {
        var obs = Fhir.HeartRate(patient, "2026-03-01T10:00:00Z", 70);
        if (performer is not null)
        {
            obs.Performer = [new ResourceReference(performer)];
        }

        return (await client.CreateAsync(obs)).Id;
    }

    [Fact]
    public async Task Include_adds_the_referenced_patient_once_marked_include_and_the_page_counts_matches_only()
    {
        var patient = await PatientAsync("Okafor");
        var observations = new[] { await HeartRateAsync(patient), await HeartRateAsync(patient), await HeartRateAsync(patient) };

        var bundle = await client.GetBundleAsync($"Observation?patient={patient}&_include=Observation:subject&_count=2");

        Assert.Equal(observations[..2], bundle.MatchIds());
        Assert.Equal([$"Patient/{patient}"], Included(bundle));
        Assert.Equal(3, bundle.Total);
        Assert.Contains("_include=Observation:subject", Uri.UnescapeDataString(bundle.NextLink()), StringComparison.Ordinal);

        var second = await client.GetBundleAsync(bundle.NextLink());
        Assert.Equal([observations[2]], second.MatchIds());
        Assert.Equal([$"Patient/{patient}"], Included(second));
    }

    [Fact]
    public async Task Revinclude_adds_the_observations_of_the_matched_patient_only()
    {
        var patient = await PatientAsync("Okafor");
        var other = await PatientAsync("Zed");
        var mine = new[] { await HeartRateAsync(patient), await HeartRateAsync(patient) };
        await HeartRateAsync(other);

        var bundle = await client.GetBundleAsync($"Patient?_id={patient}&_revinclude=Observation:subject");

        Assert.Equal([patient], bundle.MatchIds());
        Assert.Equal(mine.Select(o => $"Observation/{o}").Order(), Included(bundle).Order());
        Assert.Equal(1, bundle.Total);
    }

    [Fact]
    public async Task Include_without_iterate_does_not_follow_references_of_included_resources_and_iterate_does()
    {
        var gp = await PractitionerAsync("House");
        var patient = await PatientAsync("Okafor", gp);
        var obs = await HeartRateAsync(patient);

        var flat = await client.GetBundleAsync($"Observation?_id={obs}&_include=Observation:subject&_include=Patient:general-practitioner");
        var deep = await client.GetBundleAsync($"Observation?_id={obs}&_include=Observation:subject&_include:iterate=Patient:general-practitioner");

        Assert.Equal([$"Patient/{patient}"], Included(flat));
        Assert.Equal([$"Patient/{patient}", $"Practitioner/{gp}"], Included(deep));
        Assert.Contains(deep.Link, l => l.Relation == "self" && Uri.UnescapeDataString(l.Url).Contains("_include:iterate=Patient:general-practitioner", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Iterate_over_a_reference_cycle_ends_and_includes_each_resource_once()
    {
        // A links to B, B links to C, C links back to A.
        var a = await PatientAsync("Alpha");
        var b = await PatientAsync("Beta");
        var c = await PatientAsync("Gamma");
        foreach (var (from, to) in new[] { (a, b), (b, c), (c, a) })
        {
            var patient = await (await client.GetAsync($"Patient/{from}")).ReadAsync<Patient>();
            patient.Link = [new Patient.LinkComponent { Other = new ResourceReference($"Patient/{to}"), Type = Patient.LinkType.Seealso }];
            (await client.PutAsync($"Patient/{from}", Fhir.Json(patient))).EnsureSuccessStatusCode();
        }

        var bundle = await client.GetBundleAsync($"Patient?_id={a}&_include:iterate=Patient:link");

        Assert.Equal([a], bundle.MatchIds());
        Assert.Equal([$"Patient/{b}", $"Patient/{c}"], Included(bundle));
        Assert.Equal(3, bundle.Entry.Select(e => e.Resource.Id).Distinct().Count());
    }

    [Fact]
    public async Task A_resource_that_is_both_a_match_and_included_appears_once_as_a_match()
    {
        var a = await PatientAsync("Alpha");
        var b = await PatientAsync("Beta");
        var patient = await (await client.GetAsync($"Patient/{a}")).ReadAsync<Patient>();
        patient.Link = [new Patient.LinkComponent { Other = new ResourceReference($"Patient/{b}"), Type = Patient.LinkType.Seealso }];
        (await client.PutAsync($"Patient/{a}", Fhir.Json(patient))).EnsureSuccessStatusCode();

        var bundle = await client.GetBundleAsync($"Patient?_id={a},{b}&_include=Patient:link");

        Assert.Equal(new[] { a, b }.Order(), bundle.MatchIds().Order());
        Assert.Empty(Included(bundle));
    }

    [Fact]
    public async Task Wildcard_includes_every_reference_and_a_target_type_narrows_it()
    {
        var gp = await PractitionerAsync("House");
        var patient = await PatientAsync("Okafor");
        var obs = await HeartRateAsync(patient, $"Practitioner/{gp}");

        var all = await client.GetBundleAsync($"Observation?_id={obs}&_include=*");
        var onlyPractitioners = await client.GetBundleAsync($"Observation?_id={obs}&_include=Observation:performer:Practitioner");
        var noGroups = await client.GetBundleAsync($"Observation?_id={obs}&_include=Observation:subject:Group");

        Assert.Equal(new[] { $"Patient/{patient}", $"Practitioner/{gp}" }.Order(), Included(all).Order());
        Assert.Equal([$"Practitioner/{gp}"], Included(onlyPractitioners));
        Assert.Empty(Included(noGroups));
    }

    [Fact]
    public async Task References_to_missing_or_deleted_resources_include_nothing()
    {
        var gone = await PatientAsync("Gone");
        var obs = await HeartRateAsync(gone);
        var dangling = await HeartRateAsync("no-such-patient");
        (await client.DeleteAsync($"Patient/{gone}")).EnsureSuccessStatusCode();

        var bundle = await client.GetBundleAsync($"Observation?_id={obs},{dangling}&_include=Observation:subject");

        Assert.Equal(new[] { obs, dangling }.Order(), bundle.MatchIds().Order());
        Assert.Empty(Included(bundle));
    }

    [Fact]
    public async Task Unknown_include_parameter_is_a_warning_or_400_under_strict_handling()
    {
        var patient = await PatientAsync("Okafor");

        var lenient = await client.GetBundleAsync($"Patient?_id={patient}&_include=Patient:shoe");
        using var strictRequest = new HttpRequestMessage(HttpMethod.Get, $"Patient?_id={patient}&_include=Patient:shoe");
        strictRequest.Headers.Add("Prefer", "handling=strict");
        var strict = await client.SendAsync(strictRequest);
        var malformed = await client.GetAsync("Patient?_include=general-practitioner");

        Assert.Equal([patient], lenient.MatchIds());
        Assert.Contains("Patient:shoe", Assert.IsType<OperationOutcome>(lenient.Entry.Single(e => e.Search?.Mode == Bundle.SearchEntryMode.Outcome).Resource).Issue[0].Diagnostics, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, strict.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Contains("_include", (await malformed.ReadAsync<OperationOutcome>()).Issue[0].Diagnostics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_mixed_page_is_the_text_the_parsed_bundle_serialises_to_and_XML_and_elements_still_work()
    {
        var gp = await PractitionerAsync("Grey \"Meredith\" & Ødegård");
        var patient = await PatientAsync("Okafor", gp);
        var observations = new[] { await HeartRateAsync(patient, $"Practitioner/{gp}"), await HeartRateAsync(patient), await HeartRateAsync(patient) };
        var url = $"Observation?patient={patient}&_include=Observation:subject&_include:iterate=Patient:general-practitioner&_count=2&shoe=1";

        var response = await client.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        var fhir = new FhirKetamine.Core.Rest.FhirSerialization();
        var bundle = (Bundle)fhir.ParseStored(text);

        // Matches, includes at two levels, the warning entry and the links, in the text Firely writes for the parsed Bundle
        // (the form search Bundles had when every stored resource was parsed and serialised again).
        Assert.Equal(fhir.ToJson(bundle), text);
        Assert.Equal(observations[..2], bundle.MatchIds());
        Assert.Equal([$"Patient/{patient}", $"Practitioner/{gp}"], Included(bundle));
        Assert.Single(bundle.Entry, e => e.Search.Mode == Bundle.SearchEntryMode.Outcome);
        Assert.All(bundle.Entry.Where(e => e.Resource is not OperationOutcome), e => Assert.Equal($"{client.BaseAddress}{e.Resource.TypeName}/{e.Resource.Id}", e.FullUrl));
        Assert.NotNull(bundle.NextLink());

        var xml = await client.GetAsync(url + "&_format=xml");
        var elements = await client.GetBundleAsync(url + "&_elements=status");
        Assert.Contains("<Bundle", await xml.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Null(elements.Entry.First().Resource is Observation o ? o.Value : new Quantity());
        Assert.Equal(bundle.Entry.Count, elements.Entry.Count);
    }
}
