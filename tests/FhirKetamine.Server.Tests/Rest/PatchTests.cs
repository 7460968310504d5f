using System.Net;
using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Tests.Rest;

public sealed class PatchTests(FhirServerFactory factory) : IClassFixture<FhirServerFactory>
{
    private readonly HttpClient _client = factory.CreateFhirClient();

    [Fact]
    public async Task Json_patch_replaces_a_value_and_makes_version_2()
    {
        var created = await _client.CreateAsync(Fhir.Patient("Popescu"));
        var patch = "[{\"op\":\"replace\",\"path\":\"/name/0/family\",\"value\":\"Popescu-Ionescu\"}]";

        var response = await _client.PatchAsync($"Patient/{created.Id}", Fhir.Json(patch, "application/json-patch+json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var patched = await response.ReadAsync<Patient>();
        Assert.Equal("Popescu-Ionescu", patched.Name[0].Family);
        Assert.Equal("2", patched.Meta!.VersionId);
    }

    [Fact]
    public async Task FhirPath_patch_adds_an_element()
    {
        var created = await _client.CreateAsync(Fhir.Patient("Svensson"));
        var patch = new Parameters();
        patch.Parameter.Add(new Parameters.ParameterComponent
        {
            Name = "operation",
            Part =
            [
                new() { Name = "type", Value = new Code("replace") },
                new() { Name = "path", Value = new FhirString("Patient.birthDate") },
                new() { Name = "value", Value = new Date("1975-12-01") },
            ],
        });

        var response = await _client.PatchAsync($"Patient/{created.Id}", Fhir.Json(patch));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("1975-12-01", (await response.ReadAsync<Patient>()).BirthDate);
    }

    [Fact]
    public async Task Patch_that_cannot_apply_is_422_and_keeps_version_1()
    {
        var created = await _client.CreateAsync(Fhir.Patient("Moreno"));
        var patch = "[{\"op\":\"test\",\"path\":\"/gender\",\"value\":\"male\"}]";

        var response = await _client.PatchAsync($"Patient/{created.Id}", Fhir.Json(patch, "application/json-patch+json"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.NotEmpty((await response.ReadAsync<OperationOutcome>()).Issue);
        Assert.Equal("1", (await (await _client.GetAsync($"Patient/{created.Id}")).ReadAsync<Patient>()).Meta!.VersionId);
    }

    [Fact]
    public async Task Patch_of_unknown_resource_is_404()
    {
        var response = await _client.PatchAsync("Patient/missing", Fhir.Json("[]", "application/json-patch+json"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
