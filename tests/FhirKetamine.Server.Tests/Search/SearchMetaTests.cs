// Firely's model is nullable-annotated throughout; in these tests a missing element is a failed assertion
// (a NullReferenceException names it), not something to guard against.
#nullable disable warnings

using System.Net;
using Hl7.Fhir.Model;
using static FhirKetamine.Server.Tests.Search.SearchBundles;

namespace FhirKetamine.Server.Tests.Search;

/// <summary>The meta parameters R4 defines on Resource: _tag, _security, _profile and _source, on every type.</summary>
public sealed class SearchMetaTests(FhirServerFactory factory) : IClassFixture<FhirServerFactory>
{
    private readonly HttpClient client = factory.CreateFhirClient();

    [Fact]
    public async Task Tag_security_profile_and_source_find_the_resources_that_carry_them()
    {
        var tagCode = $"cohort-{Guid.NewGuid():N}"[..20];
        var source = $"urn:gateway:{Guid.NewGuid():N}";
        var tagged = Fhir.Patient("Tagged");
        tagged.Meta = new Meta
        {
            Tag = [new Coding("http://fhir-ketamine.org/tags", tagCode)],
            Security = [new Coding("http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "R")],
            Profile = ["http://hl7.org/fhir/StructureDefinition/Patient"],
            Source = source,
        };
        var taggedId = (await client.CreateAsync(tagged)).Id;
        var plainId = (await client.CreateAsync(Fhir.Patient("Plain"))).Id;

        var byTag = await client.GetBundleAsync($"Patient?_tag=http://fhir-ketamine.org/tags|{tagCode}");
        var byTagCodeOnly = await client.GetBundleAsync($"Patient?_tag={tagCode}");
        var bySecurity = await client.GetBundleAsync($"Patient?_security=http://terminology.hl7.org/CodeSystem/v3-Confidentiality|R&_tag={tagCode}");
        var byProfile = await client.GetBundleAsync($"Patient?_profile=http://hl7.org/fhir/StructureDefinition/Patient&_tag={tagCode}");
        var bySource = await client.GetBundleAsync($"Patient?_source={Uri.EscapeDataString(source)}");
        var notTagged = await client.GetBundleAsync($"Patient?_tag:not={tagCode}&_id={taggedId},{plainId}");

        Assert.Equal([taggedId], byTag.MatchIds());
        Assert.Equal([taggedId], byTagCodeOnly.MatchIds());
        Assert.Equal([taggedId], bySecurity.MatchIds());
        Assert.Equal([taggedId], byProfile.MatchIds());
        Assert.Equal([taggedId], bySource.MatchIds());
        Assert.Equal([plainId], notTagged.MatchIds());
    }

    [Fact]
    public async Task The_meta_parameters_are_listed_for_every_type_in_the_CapabilityStatement()
    {
        var response = await client.GetAsync("metadata");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var statement = await response.ReadAsync<CapabilityStatement>();

        foreach (var type in new[] { "Patient", "Observation", "Flag" })
        {
            var parameters = statement.Rest[0].Resource.Single(r => r.Type == type).SearchParam.Select(p => p.Name).ToList();
            Assert.Contains("_tag", parameters);
            Assert.Contains("_security", parameters);
            Assert.Contains("_profile", parameters);
            Assert.Contains("_source", parameters);
        }
    }
}
