// Firely's model is nullable-annotated throughout; in these tests a missing element is a failed assertion
// (a NullReferenceException names it), not something to guard against.
#nullable disable warnings

using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Smart;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;

namespace FhirKetamine.Server.Tests.Search;

/// <summary>
/// A patient/ token never sees another patient's resources through _include, _revinclude, chains or _has:
/// the compartment is a predicate on every part of the query. Each case runs the same search with a
/// system token first, so the test proves the other patient's data is really there to leak.
/// The searches run through the engine's one entry point for every request (HTTP and Bundle entries alike),
/// with the caller a SMART access as the HTTP layer builds it from a token.
/// </summary>
public sealed class SearchCompartmentTests(FhirServerFactory factory) : IClassFixture<FhirServerFactory>
{
    private readonly HttpClient client = factory.CreateFhirClient();

    private static readonly SmartAccess System = SmartAccess.FromScopeString("ehr", null, null, "system/*.rs");

    private static SmartAccess PatientToken(string patient) => SmartAccess.FromScopeString("app", null, patient, "launch/patient patient/*.rs");

    private async Task<Bundle> SearchAsync(SmartAccess access, string type, string query)
    {
        using var scope = factory.Services.CreateScope();
        var engine = scope.ServiceProvider.GetRequiredService<ResourceInteractions>();
        var parameters = query.Split('&').Select(p => p.Split('=', 2)).Select(p => KeyValuePair.Create(p[0], p[1])).ToList();
        var response = await engine.HandleAsync(new FhirRequest(Interaction.SearchType, access) { ResourceType = type, Parameters = parameters }, CancellationToken.None);
        // A search answers with the Bundle's JSON (its entries' stored JSON copied in), parsed only by who needs the POCO.
        return Assert.IsType<Bundle>(response.Resource ?? scope.ServiceProvider.GetRequiredService<FhirSerialization>().ParseStored(response.StoredJson!));
    }

    private static List<string> All(Bundle bundle) => bundle.Entry.Where(e => e.Resource is not OperationOutcome).Select(e => $"{e.Resource.TypeName}/{e.Resource.Id}").ToList();

    private async Task<(string Mine, string Other, string MyObservation)> TwoPatientsAsync(Action<Observation> myObservation = null)
    {
        var mine = (await client.CreateAsync(new Patient { Name = [new HumanName { Family = "Okafor" }] })).Id;
        var other = (await client.CreateAsync(new Patient { Name = [new HumanName { Family = "Zed" }] })).Id;
        var obs = Fhir.HeartRate(mine, "2026-03-01T10:00:00Z", 70);
        myObservation?.Invoke(obs);
        var observation = (await client.CreateAsync(obs)).Id;
        return (mine, other, observation);
    }

    [Fact]
    public async Task Include_does_not_reach_another_patient_or_a_resource_outside_the_compartment()
    {
        var gp = (await client.CreateAsync(new Practitioner { Name = [new HumanName { Family = "House" }] })).Id;
        string other = null;
        var zed = (await client.CreateAsync(new Patient { Name = [new HumanName { Family = "Zed" }] })).Id;
        var (mine, _, obs) = await TwoPatientsAsync(o => o.Performer = [new ResourceReference($"Patient/{zed}"), new ResourceReference($"Practitioner/{gp}")]);
        other = zed;
        var query = $"patient={mine}&_include=Observation:performer&_include=Observation:subject";

        var asSystem = await SearchAsync(System, "Observation", query);
        var asPatient = await SearchAsync(PatientToken(mine), "Observation", query);

        Assert.Contains($"Patient/{other}", All(asSystem));
        Assert.Contains($"Practitioner/{gp}", All(asSystem));
        Assert.Equal(new[] { $"Observation/{obs}", $"Patient/{mine}" }.Order(), All(asPatient).Order());
    }

    [Fact]
    public async Task Revinclude_does_not_bring_in_another_patients_observation_that_points_at_mine()
    {
        var (mine, other, obs) = await TwoPatientsAsync();
        var panel = Fhir.HeartRate(other, "2026-03-01T10:00:00Z", 90);
        panel.HasMember = [new ResourceReference($"Observation/{obs}")];
        var theirs = (await client.CreateAsync(panel)).Id;
        var query = $"patient={mine}&_revinclude=Observation:has-member";

        var asSystem = await SearchAsync(System, "Observation", query);
        var asPatient = await SearchAsync(PatientToken(mine), "Observation", query);

        Assert.Contains($"Observation/{theirs}", All(asSystem));
        Assert.Equal([$"Observation/{obs}"], All(asPatient));
    }

    [Fact]
    public async Task Iterated_include_over_patient_links_stops_at_the_compartment()
    {
        var (mine, other, _) = await TwoPatientsAsync();
        var me = await (await client.GetAsync($"Patient/{mine}")).ReadAsync<Patient>();
        me.Link = [new Patient.LinkComponent { Other = new ResourceReference($"Patient/{other}"), Type = Patient.LinkType.Seealso }];
        (await client.PutAsync($"Patient/{mine}", Fhir.Json(me))).EnsureSuccessStatusCode();
        var query = $"_id={mine}&_include:iterate=Patient:link&_revinclude:iterate=Observation:subject";

        var asSystem = await SearchAsync(System, "Patient", query);
        var asPatient = await SearchAsync(PatientToken(mine), "Patient", query);

        Assert.Contains($"Patient/{other}", All(asSystem));
        Assert.DoesNotContain(All(asPatient), e => e.Contains(other, StringComparison.Ordinal));
        Assert.Equal(2, All(asPatient).Count); // my Patient and my Observation
    }

    [Fact]
    public async Task Chain_cannot_match_on_another_patients_data()
    {
        var zed = (await client.CreateAsync(new Patient { Name = [new HumanName { Family = "Zedekiah" }] })).Id;
        var (mine, _, obs) = await TwoPatientsAsync(o => o.Performer = [new ResourceReference($"Patient/{zed}")]);
        var query = $"patient={mine}&performer:Patient.name=Zedekiah";

        var asSystem = await SearchAsync(System, "Observation", query);
        var asPatient = await SearchAsync(PatientToken(mine), "Observation", query);

        Assert.Equal([$"Observation/{obs}"], All(asSystem));
        Assert.Empty(All(asPatient));
    }

    [Fact]
    public async Task Has_cannot_match_on_a_resource_outside_the_compartment()
    {
        var (mine, other, _) = await TwoPatientsAsync();
        var code = "zed-" + Guid.NewGuid().ToString("N")[..8];
        var about = Fhir.HeartRate(other, "2026-03-01T10:00:00Z", 90);
        about.Code = new CodeableConcept("urn:test", code);
        about.Focus = [new ResourceReference($"Patient/{mine}")];
        await client.CreateAsync(about);
        var query = $"_id={mine}&_has:Observation:focus:code={code}";

        var asSystem = await SearchAsync(System, "Patient", query);
        var asPatient = await SearchAsync(PatientToken(mine), "Patient", query);

        Assert.Equal([$"Patient/{mine}"], All(asSystem));
        Assert.Empty(All(asPatient));
    }

    [Fact]
    public async Task Included_types_the_token_cannot_read_are_left_out()
    {
        var gp = (await client.CreateAsync(new Practitioner { Name = [new HumanName { Family = "House" }] })).Id;
        var (_, _, obs) = await TwoPatientsAsync(o => o.Performer = [new ResourceReference($"Practitioner/{gp}")]);
        var observationsOnly = SmartAccess.FromScopeString("ehr", null, null, "system/Observation.rs");

        var bundle = await SearchAsync(observationsOnly, "Observation", $"_id={obs}&_include=*");

        Assert.Equal([$"Observation/{obs}"], All(bundle));
    }
}
