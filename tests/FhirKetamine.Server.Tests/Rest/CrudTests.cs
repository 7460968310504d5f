using System.Net;
using System.Net.Http.Headers;
using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Tests.Rest;

public sealed class CrudTests(FhirServerFactory factory) : IClassFixture<FhirServerFactory>
{
    private readonly HttpClient _client = factory.CreateFhirClient();

    [Fact]
    public async Task Create_returns_201_with_location_etag_and_the_stored_resource()
    {
        var response = await _client.PostAsync("Patient", Fhir.Json(Fhir.Patient()));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var patient = await response.ReadAsync<Patient>();
        Assert.False(string.IsNullOrEmpty(patient.Id));
        Assert.Equal("1", patient.Meta!.VersionId);
        Assert.NotNull(patient.Meta!.LastUpdated);
        Assert.Equal("W/\"1\"", response.Headers.ETag?.ToString());
        Assert.Equal($"http://localhost/fhir/Patient/{patient.Id}/_history/1", response.Headers.Location?.ToString());
        Assert.Equal("application/fhir+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Read_and_vread_return_what_was_stored()
    {
        var created = await _client.CreateAsync(Fhir.Patient("Okafor"));

        var read = await _client.GetAsync($"Patient/{created.Id}");
        var vread = await _client.GetAsync($"Patient/{created.Id}/_history/1");

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal("Okafor", (await read.ReadAsync<Patient>()).Name[0].Family);
        Assert.Equal("W/\"1\"", read.Headers.ETag?.ToString());
        Assert.NotNull(read.Content.Headers.LastModified);
        Assert.Equal(HttpStatusCode.OK, vread.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync($"Patient/{created.Id}/_history/7")).StatusCode);
    }

    [Fact]
    public async Task Update_creates_version_2_and_keeps_version_1()
    {
        var created = await _client.CreateAsync(Fhir.Patient("Nguyen"));
        created.Name[0].Family = "Nguyen-Tran";

        var response = await _client.PutAsync($"Patient/{created.Id}", Fhir.Json(created));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("2", (await response.ReadAsync<Patient>()).Meta!.VersionId);
        Assert.Equal("W/\"2\"", response.Headers.ETag?.ToString());
        var v1 = await (await _client.GetAsync($"Patient/{created.Id}/_history/1")).ReadAsync<Patient>();
        Assert.Equal("Nguyen", v1.Name[0].Family);
    }

    [Fact]
    public async Task Update_with_client_id_creates_the_resource_with_201()
    {
        var id = "chair-" + Guid.NewGuid().ToString("N")[..12];
        var device = new Device { Id = id, Status = Device.FHIRDeviceStatus.Active, DeviceName = [new Device.DeviceNameComponent { Name = "Monitor 3", Type = DeviceNameType.UserFriendlyName }] };

        var response = await _client.PutAsync($"Device/{id}", Fhir.Json(device));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync($"Device/{id}")).StatusCode);
    }

    [Fact]
    public async Task Update_with_stale_IfMatch_returns_412_and_keeps_v2()
    {
        var created = await _client.CreateAsync(Fhir.Patient("Silva"));
        Assert.Equal(HttpStatusCode.OK, (await _client.PutAsync($"Patient/{created.Id}", Fhir.Json(created))).StatusCode);
        var stale = new HttpRequestMessage(HttpMethod.Put, $"Patient/{created.Id}") { Content = Fhir.Json(created) };
        stale.Headers.IfMatch.Add(new EntityTagHeaderValue("\"1\"", isWeak: true));

        var response = await _client.SendAsync(stale);

        Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
        Assert.Contains("If-Match", (await response.ReadAsync<OperationOutcome>()).Issue[0].Diagnostics, StringComparison.Ordinal);
        Assert.Equal("2", (await (await _client.GetAsync($"Patient/{created.Id}")).ReadAsync<Patient>()).Meta!.VersionId);
    }

    [Fact]
    public async Task Update_with_current_IfMatch_succeeds()
    {
        var created = await _client.CreateAsync(Fhir.Patient("Haddad"));
        var request = new HttpRequestMessage(HttpMethod.Put, $"Patient/{created.Id}") { Content = Fhir.Json(created) };
        request.Headers.IfMatch.Add(new EntityTagHeaderValue("\"1\"", isWeak: true));

        Assert.Equal(HttpStatusCode.OK, (await _client.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task Delete_leaves_a_tombstone_read_says_410_and_old_versions_stay_readable()
    {
        var created = await _client.CreateAsync(Fhir.Patient("Kowalski"));

        var delete = await _client.DeleteAsync($"Patient/{created.Id}");

        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.Equal("W/\"2\"", delete.Headers.ETag?.ToString());
        var read = await _client.GetAsync($"Patient/{created.Id}");
        Assert.Equal(HttpStatusCode.Gone, read.StatusCode);
        Assert.Equal(OperationOutcome.IssueType.Deleted, (await read.ReadAsync<OperationOutcome>()).Issue[0].Code);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync($"Patient/{created.Id}/_history/1")).StatusCode);
        Assert.Equal(HttpStatusCode.Gone, (await _client.GetAsync($"Patient/{created.Id}/_history/2")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync($"Patient/{created.Id}")).StatusCode);
    }

    [Fact]
    public async Task Update_after_delete_revives_the_resource_as_version_3()
    {
        var created = await _client.CreateAsync(Fhir.Patient("Moreau"));
        await _client.DeleteAsync($"Patient/{created.Id}");

        var response = await _client.PutAsync($"Patient/{created.Id}", Fhir.Json(created));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("3", (await response.ReadAsync<Patient>()).Meta!.VersionId);
    }

    [Fact]
    public async Task Read_with_matching_IfNoneMatch_or_IfModifiedSince_returns_304()
    {
        var created = await _client.CreateAsync(Fhir.Patient("Tanaka"));
        var etag = new HttpRequestMessage(HttpMethod.Get, $"Patient/{created.Id}");
        etag.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"1\"", isWeak: true));
        var since = new HttpRequestMessage(HttpMethod.Get, $"Patient/{created.Id}");
        since.Headers.IfModifiedSince = DateTimeOffset.UtcNow.AddMinutes(1);
        var older = new HttpRequestMessage(HttpMethod.Get, $"Patient/{created.Id}");
        older.Headers.IfModifiedSince = DateTimeOffset.UtcNow.AddDays(-1);

        Assert.Equal(HttpStatusCode.NotModified, (await _client.SendAsync(etag)).StatusCode);
        Assert.Equal(HttpStatusCode.NotModified, (await _client.SendAsync(since)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.SendAsync(older)).StatusCode);
    }

    [Fact]
    public async Task Delete_of_unknown_id_is_404()
    {
        var response = await _client.DeleteAsync("Patient/does-not-exist");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Single((await response.ReadAsync<OperationOutcome>()).Issue);
    }

    [Theory]
    [InlineData("return=minimal", false, "")]
    [InlineData("return=representation", true, "Patient")]
    [InlineData("return=OperationOutcome", true, "OperationOutcome")]
    public async Task Prefer_return_shapes_the_create_response(string prefer, bool hasBody, string type)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "Patient") { Content = Fhir.Json(Fhir.Patient()) };
        request.Headers.Add("Prefer", prefer);

        var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.NotNull(response.Headers.Location);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(hasBody, body.Length > 0);
        if (hasBody)
        {
            Assert.Contains($"\"resourceType\":\"{type}\"", body, StringComparison.Ordinal);
        }
    }
}
