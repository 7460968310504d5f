// Firely's model is nullable-annotated throughout; in these tests a missing element is a failed assertion.
#nullable disable warnings

using System.Net;

using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Tests.BulkExport;

/// <summary>Bulk Data v2 POST kick-off (a Parameters body) and the $export operations in the CapabilityStatement.</summary>
public sealed class ExportPostTests
{
    [Fact]
    public async Task Post_kick_off_with_parameters_exports_the_types_it_names()
    {
        await using var server = ExportClient.NewServer();
        var client = server.CreateFhirClient();
        var patient = await client.CreateAsync(Fhir.Patient("Okafor"));
        await client.CreateAsync(Fhir.HeartRate(patient.Id, "2026-03-01T10:00:00Z", 70));
        await client.CreateAsync(Fhir.HeartRate(patient.Id, "2026-03-02T10:00:00Z", 72));
        var body = new Parameters()
            .Add("_outputFormat", new FhirString("application/fhir+ndjson"))
            .Add("_type", new FhirString("Observation"))
            .Add("_type", new FhirString("Patient"))
            .Add("_since", new Instant(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero)));

        var status = await KickOffAsync(client, "Patient/$export", body);
        var manifest = await client.WaitForManifestAsync(status);

        var outputs = manifest.Outputs();
        Assert.Equal(["Observation", "Patient"], outputs.Keys.Order());
        Assert.Equal(2, outputs["Observation"].Count);
        Assert.Equal([patient.Id], (await client.DownloadAsync<Patient>(outputs["Patient"].Url)).Select(p => p.Id));
    }

    [Fact]
    public async Task Post_kick_off_honours_since_and_type_filter()
    {
        await using var server = ExportClient.NewServer();
        var client = server.CreateFhirClient();
        var patient = await client.CreateAsync(Fhir.Patient("Rivera"));
        var fast = await client.CreateAsync(Fhir.HeartRate(patient.Id, "2026-03-01T10:00:00Z", 120));
        await client.CreateAsync(Fhir.HeartRate(patient.Id, "2026-03-02T10:00:00Z", 60));
        var body = new Parameters()
            .Add("_type", new FhirString("Observation"))
            .Add("_typeFilter", new FhirString("Observation?value-quantity=gt100"));

        var manifest = await client.WaitForManifestAsync(await KickOffAsync(client, "$export", body));
        var future = new Parameters().Add("_type", new FhirString("Observation")).Add("_since", new Instant(DateTimeOffset.UtcNow.AddDays(1)));
        var empty = await client.WaitForManifestAsync(await KickOffAsync(client, "$export", future));

        var exported = await client.DownloadAsync<Observation>(manifest.Outputs()["Observation"].Url);
        Assert.Equal([fast.Id], exported.Select(o => o.Id));
        Assert.Empty(empty.Outputs());
    }

    [Fact]
    public async Task Post_kick_off_refuses_unknown_parameters_and_other_bodies_with_400()
    {
        await using var server = ExportClient.NewServer();
        var client = server.CreateFhirClient();

        using var patientParameter = await client.SendAsync(Request("Patient/$export", new Parameters().Add("patient", new ResourceReference("Patient/1"))));
        using var notParameters = await client.SendAsync(Request("$export", Fhir.Patient()));
        using var badSince = await client.SendAsync(Request("$export", new Parameters().Add("_since", new FhirString("yesterday"))));

        Assert.Equal(HttpStatusCode.BadRequest, patientParameter.StatusCode);
        Assert.Contains("'patient'", (await patientParameter.ReadAsync<OperationOutcome>()).Issue[0].Diagnostics, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, notParameters.StatusCode);
        Assert.Contains("Parameters", (await notParameters.ReadAsync<OperationOutcome>()).Issue[0].Diagnostics, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, badSince.StatusCode);
        Assert.Contains("_since", (await badSince.ReadAsync<OperationOutcome>()).Issue[0].Diagnostics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Capability_statement_lists_the_export_operations()
    {
        await using var server = ExportClient.NewServer();
        var client = server.CreateFhirClient();

        var statement = await (await client.GetAsync("metadata")).ReadAsync<CapabilityStatement>();

        var rest = statement.Rest.Single();
        Assert.Contains("http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data", statement.Instantiates);
        Assert.Contains(rest.Operation, o => o.Name == "export" && o.Definition == "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export");
        Assert.Contains(rest.Resource.Single(r => r.Type == "Patient").Operation,
            o => o.Name == "export" && o.Definition == "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export");
        Assert.Contains(rest.Resource.Single(r => r.Type == "Group").Operation,
            o => o.Name == "export" && o.Definition == "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export");
    }

    private static HttpRequestMessage Request(string url, Resource body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = Fhir.Json(body) };
        request.Headers.Add("Prefer", "respond-async");
        return request;
    }

    private static async Task<string> KickOffAsync(HttpClient client, string url, Parameters body)
    {
        using var response = await client.SendAsync(Request(url, body));
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"POST {url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return response.Content.Headers.ContentLocation?.ToString() ?? response.Headers.GetValues("Content-Location").Single();
    }
}
