// Firely's model is nullable-annotated throughout; in these tests a missing element is a failed assertion
// (a NullReferenceException names it), not something to guard against.
#nullable disable warnings

using Hl7.Fhir.Model;
using static FhirKetamine.Server.Tests.Search.SearchBundles;

namespace FhirKetamine.Server.Tests.Search;

public sealed class PatientSearchTests(FhirServerFactory factory) : IClassFixture<FhirServerFactory>
{
    private const string MrnSystem = "urn:oid:1.2.36.146.595.217.0.1";

    private readonly HttpClient client = factory.CreateFhirClient();

    /// <summary>A family name no other test uses, made of letters only, e.g. "Rivéraqkxzw".</summary>
    private static string Unique(string stem) =>
        stem + new string(Guid.NewGuid().ToString("N").Select(c => (char)('a' + (c % 26))).Take(8).ToArray());

    [Theory]
    [InlineData("Rivéra", "rive")]
    [InlineData("Rivéra", "RIVERA")]
    [InlineData("Rivera", "rivé")]
    [InlineData("Rivera", "RIVÉR")]
    [InlineData("Ölçer", "olc")]
    public async Task Name_search_is_case_and_accent_insensitive_starts_with(string stem, string query)
    {
        var family = Unique(stem);
        var created = await client.CreateAsync(Fhir.Patient(family));
        var suffix = family[stem.Length..];

        // The bare prefix also matches other tests' patients, so it is checked together with _id; the prefix
        // completed with the rest of the name and the unique tail must find this patient alone.
        var byPrefix = await client.GetBundleAsync($"Patient?name={Q(query)}&_id={created.Id}");
        var whole = await client.GetBundleAsync($"Patient?name={Q(query + (query.Length >= stem.Length ? suffix : stem[query.Length..] + suffix))}");

        Assert.Equal([created.Id], byPrefix.MatchIds());
        Assert.Equal([created.Id], whole.MatchIds());
    }

    [Fact]
    public async Task Name_search_is_starts_with_not_contains()
    {
        var family = Unique("Rivera");
        var created = await client.CreateAsync(Fhir.Patient(family));

        var middle = await client.GetBundleAsync($"Patient?name={Q(family[2..])}");
        var contains = await client.GetBundleAsync($"Patient?name:contains={Q(family[2..].ToUpperInvariant())}");

        Assert.Empty(middle.MatchIds());
        Assert.Equal([created.Id], contains.MatchIds());
    }

    [Fact]
    public async Task Name_search_matches_given_names_too()
    {
        var given = Unique("Ana");
        var patient = Fhir.Patient(Unique("Rivera"));
        patient.Name[0].Given = [given];
        var created = await client.CreateAsync(patient);

        var bundle = await client.GetBundleAsync($"Patient?name={Q(given.ToLowerInvariant())}");

        Assert.Equal([created.Id], bundle.MatchIds());
    }

    [Fact]
    public async Task Identifier_search_with_system_and_value_finds_exactly_that_patient()
    {
        var mrn = Guid.NewGuid().ToString("N");
        var created = await client.CreateAsync(Fhir.Patient(mrn: mrn));
        await client.CreateAsync(Fhir.Patient(mrn: Guid.NewGuid().ToString("N")));

        var both = await client.GetBundleAsync($"Patient?identifier={Q($"{MrnSystem}|{mrn}")}");
        var valueOnly = await client.GetBundleAsync($"Patient?identifier={Q(mrn)}");
        var otherSystem = await client.GetBundleAsync($"Patient?identifier={Q($"urn:oid:9.9.9|{mrn}")}");

        Assert.Equal([created.Id], both.MatchIds());
        Assert.Equal([created.Id], valueOnly.MatchIds());
        Assert.Empty(otherSystem.MatchIds());
    }
}
