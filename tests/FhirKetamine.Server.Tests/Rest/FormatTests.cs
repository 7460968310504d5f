using System.Net;
using System.Net.Http.Headers;

using Hl7.Fhir.Model;

using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FhirKetamine.Server.Tests.Rest;

public sealed class FormatTests(FhirServerFactory factory) : IClassFixture<FhirServerFactory>
{
    private readonly HttpClient _client = factory.CreateFhirClient();

    [Fact]
    public async Task Xml_in_and_xml_out()
    {
        const string xml = "<Patient xmlns=\"http://hl7.org/fhir\"><name><family value=\"Dubois\"/></name></Patient>";
        var request = new HttpRequestMessage(HttpMethod.Post, "Patient") { Content = Fhir.Json(xml, "application/fhir+xml") };
        request.Headers.Accept.Clear();
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/fhir+xml"));

        var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("application/fhir+xml", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("<family value=\"Dubois\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Format_parameter_wins_over_accept_and_pretty_indents()
    {
        var created = await _client.CreateAsync(Fhir.Patient("Larsen"));

        var xml = await _client.GetAsync($"Patient/{created.Id}?_format=xml");
        var pretty = await _client.GetStringAsync($"Patient/{created.Id}?_pretty=true");

        Assert.Equal("application/fhir+xml", xml.Content.Headers.ContentType?.MediaType);
        Assert.Contains("\n", pretty, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_format_is_406()
    {
        var created = await _client.CreateAsync(Fhir.Patient());

        Assert.Equal(HttpStatusCode.NotAcceptable, (await _client.GetAsync($"Patient/{created.Id}?_format=yaml")).StatusCode);
    }

    [Fact]
    public async Task Summary_and_elements_return_a_subsetted_resource()
    {
        var patient = Fhir.Patient("Costa");
        patient.Text = new Narrative { Status = Narrative.NarrativeStatus.Generated, Div = "<div xmlns=\"http://www.w3.org/1999/xhtml\">Ana Costa</div>" };
        patient.Contact = [new Patient.ContactComponent { Name = new HumanName { Family = "Costa" } }];
        var created = await _client.CreateAsync(patient);

        var summary = await (await _client.GetAsync($"Patient/{created.Id}?_summary=true")).ReadAsync<Patient>();
        var elements = await (await _client.GetAsync($"Patient/{created.Id}?_elements=gender")).ReadAsync<Patient>();

        Assert.Empty(summary.Contact); // contact is not a summary element
        Assert.NotEmpty(summary.Name);
        Assert.Contains(summary.Meta!.Tag, t => t.Code == "SUBSETTED");
        Assert.Equal(AdministrativeGender.Female, elements.Gender);
        Assert.Empty(elements.Name);
        Assert.Contains(elements.Meta!.Tag, t => t.Code == "SUBSETTED");
    }

    [Fact]
    public async Task Metadata_is_a_capability_statement_generated_from_the_registry()
    {
        var statement = await (await _client.GetAsync("metadata")).ReadAsync<CapabilityStatement>();

        Assert.Equal(FHIRVersion.N4_0_1, statement.FhirVersion);
        var observation = Assert.Single(statement.Rest[0].Resource, r => r.Type == "Observation");
        Assert.Contains(observation.SearchParam, p => p.Name == "patient" && p.Type == SearchParamType.Reference);
        Assert.Contains(observation.SearchParam, p => p.Name == "value-quantity");
        Assert.DoesNotContain(observation.SearchParam, p => p.Type is SearchParamType.Special);
        // Composites: exactly the two-part ones the server indexes (a token and a token, quantity, string or date here).
        Assert.Equal(
            ["code-value-concept", "code-value-date", "code-value-quantity", "code-value-string", "combo-code-value-concept", "combo-code-value-quantity",
                "component-code-value-concept", "component-code-value-quantity"],
            observation.SearchParam.Where(p => p.Type == SearchParamType.Composite).Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Contains("Observation:subject", observation.SearchInclude);
        Assert.Contains("*", observation.SearchInclude);
        var patient = Assert.Single(statement.Rest[0].Resource, r => r.Type == "Patient");
        Assert.Contains("Observation:subject", patient.SearchRevInclude);
        Assert.Contains("Observation:patient", patient.SearchRevInclude);
        Assert.Contains(patient.SearchParam, p => p.Name == "organization" && p.Documentation!.Contains("Chaining", StringComparison.Ordinal));
        Assert.Contains(observation.Interaction, i => i.Code == CapabilityStatement.TypeRestfulInteraction.Patch);
        Assert.Contains(statement.Rest[0].Interaction, i => i.Code == CapabilityStatement.SystemRestfulInteraction.Transaction);
    }

    [Fact]
    public async Task Health_endpoints_answer()
    {
        var client = factory.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);

        // Ready waits for the validator's warm-up (seconds after start).
        var ready = HttpStatusCode.ServiceUnavailable;
        for (var deadline = DateTime.UtcNow.AddSeconds(120); DateTime.UtcNow < deadline && ready != HttpStatusCode.OK; await Task.Delay(200))
        {
            ready = (await client.GetAsync("/health/ready")).StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, ready);
    }

    [Fact]
    public async Task Ready_is_503_while_a_check_is_degraded_as_the_validator_is_while_warming_up()
    {
        // Warming up is Degraded rather than Unhealthy (ASP.NET logs every unhealthy poll as an error), so the
        // endpoint must map Degraded to 503 itself.
        await using var degraded = factory.WithWebHostBuilder(b => b.ConfigureServices(s =>
            s.AddHealthChecks().AddCheck("warming-up", () => HealthCheckResult.Degraded("warming up"), tags: ["ready"])));
        var client = degraded.CreateClient();

        var ready = await client.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal("Degraded", await ready.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
    }

    [Fact]
    public async Task A_cold_validator_reports_degraded()
    {
        var validator = new FhirKetamine.Core.Validation.ResourceValidator(
            Microsoft.Extensions.Options.Options.Create(new FhirKetamine.Core.Validation.ValidationOptions()),
            new NoConformance(), new FhirKetamine.Core.Rest.FhirSerialization(),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<FhirKetamine.Core.Validation.ResourceValidator>.Instance);

        var result = await new FhirKetamine.Server.Validation.ValidatorReadyCheck(validator).CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Degraded, result.Status);
    }

    private sealed class NoConformance : FhirKetamine.Core.Validation.IConformanceStore
    {
        public Task<IReadOnlyList<Resource>> LoadAsync(CancellationToken ct) => Task.FromResult<IReadOnlyList<Resource>>([]);
    }
}
