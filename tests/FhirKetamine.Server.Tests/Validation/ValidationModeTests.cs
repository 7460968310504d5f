using System.Net;

using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Tests.Validation;

/// <summary><c>Validation:Mode=Report</c> stores an invalid resource and returns its issues.</summary>
public sealed class ValidationModeTests : IClassFixture<ValidationModeTests.ReportingServer>
{
    private readonly HttpClient _client;

    public ValidationModeTests(ReportingServer factory) => _client = factory.CreateFhirClient();

    [Fact]
    public async Task Report_mode_stores_an_invalid_resource_and_returns_the_errors_on_request()
    {
        var reading = Fhir.HeartRate("p1", "2025-03-07T09:45:00Z", 88);
        reading.Subject = null;
        using var request = new HttpRequestMessage(HttpMethod.Post, "Observation") { Content = Fhir.Json(reading) };
        request.Headers.Add("Prefer", "return=OperationOutcome");

        var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Contains((await response.ReadAsync<OperationOutcome>()).Issue, i => i.Severity == OperationOutcome.IssueSeverity.Error);
    }

    public sealed class ReportingServer : IDisposable
    {
        private readonly FhirServerFactory _factory = new();

        public ReportingServer() => _factory.Settings["Validation:Mode"] = "Report";

        public HttpClient CreateFhirClient() => _factory.CreateFhirClient();

        public void Dispose() => _factory.Dispose();
    }
}