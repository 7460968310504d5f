using System.Net;
using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Tests.Rest;

public sealed class ConditionalTests(FhirServerFactory factory) : IClassFixture<FhirServerFactory>
{
    private readonly HttpClient _client = factory.CreateFhirClient();

    private static string Mrn() => Guid.NewGuid().ToString("N")[..10];

    [Fact]
    public async Task Conditional_create_of_an_existing_match_returns_200_and_creates_nothing()
    {
        var mrn = Mrn();
        var first = await PostIfNoneExist(Fhir.Patient(mrn: mrn), $"identifier=urn:oid:1.2.36.146.595.217.0.1|{mrn}");
        var second = await PostIfNoneExist(Fhir.Patient(mrn: mrn), $"identifier=urn:oid:1.2.36.146.595.217.0.1|{mrn}");

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal((await first.ReadAsync<Patient>()).Id, (await second.ReadAsync<Patient>()).Id);
        var bundle = await (await _client.GetAsync($"Patient?identifier={mrn}")).ReadAsync<Bundle>();
        Assert.Equal(1, bundle.Total);
    }

    [Fact]
    public async Task Conditional_create_with_an_unknown_parameter_is_refused()
    {
        var response = await PostIfNoneExist(Fhir.Patient(), "no-such-param=1");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Conditional_update_creates_then_updates_the_one_match()
    {
        var mrn = Mrn();
        var patient = Fhir.Patient("Ibrahim", mrn);

        var created = await _client.PutAsync($"Patient?identifier={mrn}", Fhir.Json(patient));
        patient.Name[0].Family = "Ibrahim-Ali";
        var updated = await _client.PutAsync($"Patient?identifier={mrn}", Fhir.Json(patient));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        var result = await updated.ReadAsync<Patient>();
        Assert.Equal((await created.ReadAsync<Patient>()).Id, result.Id);
        Assert.Equal("2", result.Meta!.VersionId);
    }

    [Fact]
    public async Task Conditional_update_with_several_matches_is_412()
    {
        var family = "Dup" + Mrn();
        await _client.CreateAsync(Fhir.Patient(family));
        await _client.CreateAsync(Fhir.Patient(family));

        var response = await _client.PutAsync($"Patient?name={family}", Fhir.Json(Fhir.Patient(family)));

        Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
    }

    [Fact]
    public async Task Conditional_delete_removes_the_one_match()
    {
        var mrn = Mrn();
        var created = await _client.CreateAsync(Fhir.Patient(mrn: mrn));

        var response = await _client.DeleteAsync($"Patient?identifier={mrn}");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(HttpStatusCode.Gone, (await _client.GetAsync($"Patient/{created.Id}")).StatusCode);
    }

    private Task<HttpResponseMessage> PostIfNoneExist(Resource resource, string condition)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, resource.TypeName) { Content = Fhir.Json(resource) };
        request.Headers.Add("If-None-Exist", condition);
        return _client.SendAsync(request);
    }
}
