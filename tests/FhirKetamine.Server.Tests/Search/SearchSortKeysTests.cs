// Firely's model is nullable-annotated throughout; in these tests a missing element is a failed assertion
// (a NullReferenceException names it), not something to guard against.
#nullable disable warnings

using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Tests.Search;

/// <summary>_sort on every sortable parameter type, several keys, ties, missing values; _total and _summary=count.</summary>
public sealed class SearchSortKeysTests(FhirServerFactory factory) : IClassFixture<FhirServerFactory>
{
    private readonly HttpClient client = factory.CreateFhirClient();

    private static string Unique() => "t" + Guid.NewGuid().ToString("N")[..8];

    private async Task<string> PatientAsync(string tag, string family, string birthDate, AdministrativeGender? gender = null) =>
        (await client.CreateAsync(new Patient
        {
            Identifier = [new Identifier("urn:test", tag)],
            Name = [new HumanName { Family = family }],
            BirthDate = birthDate,
            Gender = gender,
        })).Id;

    private async Task<string> ObservationAsync(string patient, decimal? value, string code = "8867-4")
    {
        var obs = Fhir.HeartRate(patient, "2026-03-01T10:00:00Z", value ?? 0);
        obs.Code = new CodeableConcept("http://loinc.org", code);
        if (value is null)
        {
            obs.Value = null;
            obs.DataAbsentReason = new CodeableConcept("http://terminology.hl7.org/CodeSystem/data-absent-reason", "unknown");
        }

        return (await client.CreateAsync(obs)).Id;
    }

    [Fact]
    public async Task Several_keys_order_by_the_first_then_the_next_with_descending_keys()
    {
        var tag = Unique();
        var adamsOld = await PatientAsync(tag, "adams", "1950-01-01");
        var bakerOld = await PatientAsync(tag, "baker", "1950-01-01");
        var adamsYoung = await PatientAsync(tag, "adams", "1990-01-01");
        var bakerYoung = await PatientAsync(tag, "baker", "1990-01-01");

        var byFamilyThenYoungest = await client.GetBundleAsync($"Patient?identifier=urn:test|{tag}&_sort=family,-birthdate");
        var byBirthThenFamilyDesc = await client.GetBundleAsync($"Patient?identifier=urn:test|{tag}&_sort=birthdate,-family");

        Assert.Equal([adamsYoung, adamsOld, bakerYoung, bakerOld], byFamilyThenYoungest.MatchIds());
        Assert.Equal([bakerOld, adamsOld, bakerYoung, adamsYoung], byBirthThenFamilyDesc.MatchIds());
    }

    [Fact]
    public async Task Ties_are_broken_stably_so_pages_neither_overlap_nor_skip()
    {
        var tag = Unique();
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            ids.Add(await PatientAsync(tag, "same", "1970-01-01"));
        }

        var whole = await client.GetBundleAsync($"Patient?identifier=urn:test|{tag}&_sort=family,birthdate");
        var paged = (await client.AllPagesAsync($"Patient?identifier=urn:test|{tag}&_sort=family,birthdate&_count=2")).SelectMany(b => b.MatchIds()).ToList();
        var descending = await client.GetBundleAsync($"Patient?identifier=urn:test|{tag}&_sort=-family");

        Assert.Equal(ids, whole.MatchIds());
        Assert.Equal(ids, paged);
        Assert.Equal(ids, descending.MatchIds());
    }

    [Fact]
    public async Task Token_sort_orders_by_code_and_number_like_quantity_sort_by_value_with_missing_values_last()
    {
        var tag = Unique();
        var female = await PatientAsync(tag, "a", "1970-01-01", AdministrativeGender.Female);
        var unknown = await PatientAsync(tag, "b", "1970-01-01");
        var male = await PatientAsync(tag, "c", "1970-01-01", AdministrativeGender.Male);
        var patient = await PatientAsync(Unique(), "owner", "1970-01-01");
        var high = await ObservationAsync(patient, 120);
        var none = await ObservationAsync(patient, null);
        var low = await ObservationAsync(patient, 55.5m);
        var middle = await ObservationAsync(patient, 80);

        var genderAsc = await client.GetBundleAsync($"Patient?identifier=urn:test|{tag}&_sort=gender");
        var genderDesc = await client.GetBundleAsync($"Patient?identifier=urn:test|{tag}&_sort=-gender");
        var valueAsc = await client.GetBundleAsync($"Observation?patient={patient}&_sort=value-quantity");
        var valueDesc = await client.GetBundleAsync($"Observation?patient={patient}&_sort=-value-quantity");

        Assert.Equal([female, male, unknown], genderAsc.MatchIds());
        Assert.Equal([male, female, unknown], genderDesc.MatchIds());
        Assert.Equal([low, middle, high, none], valueAsc.MatchIds());
        Assert.Equal([high, middle, low, none], valueDesc.MatchIds());
    }

    [Fact]
    public async Task Reference_sort_orders_by_the_target()
    {
        var code = Unique();
        var first = await ObservationAsync("a-" + code, 1, code);
        var third = await ObservationAsync("c-" + code, 1, code);
        var second = await ObservationAsync("b-" + code, 1, code);

        var bundle = await client.GetBundleAsync($"Observation?code={code}&_sort=subject");
        var reversed = await client.GetBundleAsync($"Observation?code={code}&_sort=-subject");

        Assert.Equal([first, second, third], bundle.MatchIds());
        Assert.Equal([third, second, first], reversed.MatchIds());
    }

    [Fact]
    public async Task Total_none_omits_the_total_and_summary_count_returns_only_the_total()
    {
        var tag = Unique();
        for (var i = 0; i < 3; i++)
        {
            await PatientAsync(tag, "x", "1970-01-01");
        }

        var none = await client.GetBundleAsync($"Patient?identifier=urn:test|{tag}&_total=none");
        var estimate = await client.GetBundleAsync($"Patient?identifier=urn:test|{tag}&_total=estimate");
        var count = await client.GetBundleAsync($"Patient?identifier=urn:test|{tag}&_summary=count");
        var countWithoutTotal = await client.GetBundleAsync($"Patient?identifier=urn:test|{tag}&_summary=count&_total=none");

        Assert.Null(none.Total);
        Assert.Equal(3, none.MatchIds().Count);
        Assert.Equal(3, estimate.Total);
        Assert.Equal(3, count.Total);
        Assert.Empty(count.Entry);
        Assert.Equal(3, countWithoutTotal.Total);
    }
}
