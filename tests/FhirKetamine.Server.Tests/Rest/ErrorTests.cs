using System.Net;
using System.Text;
using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Tests.Rest;

public sealed class ErrorTests(FhirServerFactory factory) : IClassFixture<FhirServerFactory>
{
    private readonly HttpClient _client = factory.CreateFhirClient();

    [Theory]
    [InlineData("{\"resourceType\":\"Patient\",", "not valid JSON")]
    [InlineData("{\"resourceType\":\"Patient\",\"favouriteColour\":\"blue\"}", "favouriteColour")]
    [InlineData("{\"resourceType\":\"Patient\",\"active\":\"yes\"}", "active")]
    [InlineData("{\"resourceType\":\"Nonsense\"}", "Nonsense")]
    [InlineData("", "empty")]
    public async Task Malformed_json_is_400_with_an_OperationOutcome_and_nothing_stored(string body, string mentions)
    {
        var response = await _client.PostAsync("Patient", Fhir.Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var outcome = await response.ReadAsync<OperationOutcome>();
        Assert.Contains(outcome.Issue, i => (i.Diagnostics ?? string.Empty).Contains(mentions, StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain("   at ", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_xml_is_400()
    {
        var response = await _client.PostAsync("Patient", Fhir.Json("<Patient xmlns=\"http://hl7.org/fhir\"><active value=\"true\"", "application/fhir+xml"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotEmpty((await response.ReadAsync<OperationOutcome>()).Issue);
    }

    [Fact]
    public async Task Body_type_differing_from_the_url_is_400()
    {
        var response = await _client.PostAsync("Observation", Fhir.Json(Fhir.Patient()));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Patient", (await response.ReadAsync<OperationOutcome>()).Issue[0].Diagnostics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Update_whose_body_id_differs_from_the_url_is_400()
    {
        var patient = Fhir.Patient();
        patient.Id = "abc";

        var response = await _client.PutAsync("Patient/xyz", Fhir.Json(patient));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Unknown_resource_type_is_404_with_an_OperationOutcome()
    {
        var response = await _client.GetAsync("Spaceship/1");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("Spaceship", (await response.ReadAsync<OperationOutcome>()).Issue[0].Diagnostics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_id_is_404()
    {
        var response = await _client.GetAsync("Patient/nobody-here");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(OperationOutcome.IssueType.NotFound, (await response.ReadAsync<OperationOutcome>()).Issue[0].Code);
    }

    [Fact]
    public async Task Wrong_method_is_405_with_an_OperationOutcome()
    {
        var response = await _client.PostAsync("Patient/123", Fhir.Json(Fhir.Patient()));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.NotEmpty((await response.ReadAsync<OperationOutcome>()).Issue);
    }

    [Fact]
    public async Task Unsupported_content_type_is_415()
    {
        var response = await _client.PostAsync("Patient", new StringContent("name=x", Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.NotEmpty((await response.ReadAsync<OperationOutcome>()).Issue);
    }

    [Fact]
    public async Task Body_over_the_size_limit_is_413()
    {
        var huge = "{\"resourceType\":\"Patient\",\"text\":{\"status\":\"generated\",\"div\":\"<div xmlns=\\\"http://www.w3.org/1999/xhtml\\\">"
            + new string('x', 17 * 1024 * 1024) + "</div>\"}}";

        var response = await _client.PostAsync("Patient", Fhir.Json(huge));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(OperationOutcome.IssueType.TooCostly, (await response.ReadAsync<OperationOutcome>()).Issue[0].Code);
    }

    [Fact]
    public async Task Json_nested_deeper_than_the_limit_is_400()
    {
        var deep = new StringBuilder("{\"resourceType\":\"Patient\",\"extension\":[");
        for (var i = 0; i < 80; i++)
        {
            deep.Append("{\"url\":\"http://x\",\"extension\":[");
        }

        deep.Append(new string(']', 1)).Append(string.Concat(Enumerable.Repeat("]}", 80))).Append('}');

        var response = await _client.PostAsync("Patient", Fhir.Json(deep.ToString()));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("depth", (await response.ReadAsync<OperationOutcome>()).Issue[0].Diagnostics, StringComparison.OrdinalIgnoreCase);
    }
}
