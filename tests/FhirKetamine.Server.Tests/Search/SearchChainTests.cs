// Firely's model is nullable-annotated throughout; in these tests a missing element is a failed assertion
// (a NullReferenceException names it), not something to guard against.
#nullable disable warnings

using System.Net;
using Hl7.Fhir.Model;
using static FhirKetamine.Server.Tests.Search.SearchBundles;

namespace FhirKetamine.Server.Tests.Search;

/// <summary>Chaining (one and two levels, with and without a type) and reverse chaining with _has (nested too).</summary>
public sealed class SearchChainTests(FhirServerFactory factory) : IClassFixture<FhirServerFactory>
{
    private readonly HttpClient client = factory.CreateFhirClient();

    /// <summary>A unique family name per test, so tests sharing the database never see each other's data.</summary>
    private static string Unique(string name) => name + Guid.NewGuid().ToString("N")[..8];

    private async Task<string> OrganizationAsync(string name) => (await client.CreateAsync(new Organization { Name = name })).Id;

    private async Task<string> PatientAsync(string family, string? organization = null) =>
        (await client.CreateAsync(new Patient
        {
            Name = [new HumanName { Family = family }],
            ManagingOrganization = organization is null ? null : new ResourceReference($"Organization/{organization}"),
        })).Id;

    private async Task<string> HeartRateAsync(string subject, string code = "8867-4")
    {
        var obs = Fhir.HeartRate("x", "2026-03-01T10:00:00Z", 70);
        obs.Subject = new ResourceReference(subject);
        obs.Code = new CodeableConcept("http://loinc.org", code);
        return (await client.CreateAsync(obs)).Id;
    }

    [Fact]
    public async Task Chain_with_and_without_a_type_finds_observations_of_patients_by_name()
    {
        var family = Unique("Okafor");
        var patient = await PatientAsync(family);
        var other = await PatientAsync(Unique("Zed"));
        var mine = await HeartRateAsync($"Patient/{patient}");
        await HeartRateAsync($"Patient/{other}");

        var typed = await client.GetBundleAsync($"Observation?subject:Patient.name={family}");
        var untyped = await client.GetBundleAsync($"Observation?subject.family={family}");
        var byPatientParam = await client.GetBundleAsync($"Observation?patient.name={family}");

        Assert.Equal([mine], typed.MatchIds());
        Assert.Equal([mine], untyped.MatchIds());
        Assert.Equal([mine], byPatientParam.MatchIds());
        Assert.Contains("subject:Patient.name=", Uri.UnescapeDataString(typed.Link.Single(l => l.Relation == "self").Url), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_level_chain_goes_through_the_patients_organization()
    {
        var org = Unique("Acme");
        var acme = await OrganizationAsync(org);
        var other = await OrganizationAsync(Unique("Other"));
        var atAcme = await PatientAsync(Unique("A"), acme);
        var elsewhere = await PatientAsync(Unique("B"), other);
        var wanted = new[] { await HeartRateAsync($"Patient/{atAcme}"), await HeartRateAsync($"Patient/{atAcme}") };
        await HeartRateAsync($"Patient/{elsewhere}");

        var typed = await client.GetBundleAsync($"Observation?subject:Patient.organization.name={org}");
        var untyped = await client.GetBundleAsync($"Observation?subject.organization.name={org}&_sort=_id");

        Assert.Equal(wanted.Order(), typed.MatchIds().Order());
        Assert.Equal(wanted.Order(), untyped.MatchIds());
        Assert.Equal(2, typed.Total);
    }

    [Fact]
    public async Task Chain_through_a_missing_or_deleted_reference_matches_nothing_and_does_not_fail()
    {
        var family = Unique("Gone");
        var gone = await PatientAsync(family);
        await HeartRateAsync($"Patient/{gone}");
        await HeartRateAsync("Patient/never-existed");
        var orphan = await PatientAsync(Unique("NoOrg"));
        await HeartRateAsync($"Patient/{orphan}");
        (await client.DeleteAsync($"Patient/{gone}")).EnsureSuccessStatusCode();

        var byName = await client.GetBundleAsync($"Observation?subject:Patient.name={family}");
        var byId = await client.GetBundleAsync("Observation?subject:Patient._id=never-existed");
        var noOrganization = await client.GetBundleAsync($"Observation?subject:Patient.organization.name={Unique("Nobody")}");

        Assert.Empty(byName.MatchIds());
        Assert.Empty(byId.MatchIds());
        Assert.Empty(noOrganization.MatchIds());
    }

    [Fact]
    public async Task Chain_combines_with_other_parameters_as_an_and()
    {
        var family = Unique("Okafor");
        var patient = await PatientAsync(family);
        var heart = await HeartRateAsync($"Patient/{patient}");
        await HeartRateAsync($"Patient/{patient}", "9279-1");

        var bundle = await client.GetBundleAsync($"Observation?subject:Patient.name={family}&code={Q("http://loinc.org|8867-4")}");

        Assert.Equal([heart], bundle.MatchIds());
    }

    [Fact]
    public async Task Has_finds_patients_with_a_matching_observation()
    {
        var family = Unique("Has");
        var withHeartRate = await PatientAsync(family);
        var withOther = await PatientAsync(family);
        var without = await PatientAsync(family);
        await HeartRateAsync($"Patient/{withHeartRate}");
        await HeartRateAsync($"Patient/{withOther}", "9279-1");

        var bundle = await client.GetBundleAsync($"Patient?family={family}&_has:Observation:patient:code=8867-4");
        var both = await client.GetBundleAsync($"Patient?family={family}&_has:Observation:subject:code=8867-4,9279-1&_sort=_id");

        Assert.Equal([withHeartRate], bundle.MatchIds());
        Assert.Equal(new[] { withHeartRate, withOther }.Order(), both.MatchIds());
        Assert.DoesNotContain(without, both.MatchIds());
    }

    [Fact]
    public async Task Nested_has_finds_organizations_whose_patients_have_a_matching_observation()
    {
        var code = Unique("code-");
        var busy = await OrganizationAsync(Unique("Busy"));
        var quiet = await OrganizationAsync(Unique("Quiet"));
        var patient = await PatientAsync(Unique("P"), busy);
        await PatientAsync(Unique("Q"), quiet);
        await HeartRateAsync($"Patient/{patient}", code);

        var bundle = await client.GetBundleAsync($"Organization?_has:Patient:organization:_has:Observation:patient:code={code}");
        var withChain = await client.GetBundleAsync($"Organization?_has:Patient:organization:_has:Observation:subject:code={code}&_id={busy},{quiet}");

        Assert.Equal([busy], bundle.MatchIds());
        Assert.Equal([busy], withChain.MatchIds());
    }

    [Theory]
    [InlineData("Observation?subject:Medication.name=x")]
    [InlineData("Observation?subject:NotAType.name=x")]
    [InlineData("Observation?_has:Observation")]
    [InlineData("Observation?date:missing=maybe")]
    public async Task Malformed_chains_and_values_are_400_naming_the_parameter(string url)
    {
        var response = await client.GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var outcome = await response.ReadAsync<OperationOutcome>();
        Assert.Contains(url.Split('?')[1].Split('=')[0].Split('.')[0].Split(':')[0], outcome.Issue[0].Diagnostics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_chained_parameter_is_ignored_with_a_warning_or_400_under_strict_handling()
    {
        var lenient = await client.GetBundleAsync("Observation?subject:Patient.shoe=42&_count=1");
        using var request = new HttpRequestMessage(HttpMethod.Get, "Observation?subject:Patient.shoe=42");
        request.Headers.Add("Prefer", "handling=strict");
        var strict = await client.SendAsync(request);

        Assert.Contains(lenient.Entry, e => e.Search?.Mode == Bundle.SearchEntryMode.Outcome);
        Assert.Equal(HttpStatusCode.BadRequest, strict.StatusCode);
    }
}
