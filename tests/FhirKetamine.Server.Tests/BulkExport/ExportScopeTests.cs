using System.Net;

using Hl7.Fhir.Model;

using Microsoft.IdentityModel.Tokens;

using FhirKetamine.Server.Tests.Smart;

namespace FhirKetamine.Server.Tests.BulkExport;

/// <summary>SMART Backend Services and $export: the token's scopes decide what is exported, and only its client sees the job.</summary>
public sealed class ExportScopeTests : IClassFixture<ExportScopeTests.Server>
{
    private readonly Server server;

    public ExportScopeTests(Server server) => this.server = server;

    [Fact]
    public async Task Observation_read_scope_exports_only_observations()
    {
        var ehr = server.CreateFhirClient(await server.EhrTokenAsync());
        var patient = await ehr.CreateAsync(Fhir.Patient());
        await ehr.CreateAsync(Fhir.HeartRate(patient.Id!, "2026-03-01T10:00:00Z", 70));
        var observationsOnly = server.CreateFhirClient(await server.EhrTokenAsync("system/Observation.rs"));

        var manifest = await observationsOnly.WaitForManifestAsync(await observationsOnly.KickOffAsync("$export"));

        var outputs = manifest.Outputs();
        Assert.Equal(["Observation"], outputs.Keys);
        Assert.All(await observationsOnly.DownloadAnyAsync(outputs["Observation"].Url), r => Assert.IsType<Observation>(r));
    }

    [Fact]
    public async Task Asking_for_a_type_the_scopes_do_not_cover_is_403()
    {
        var observationsOnly = server.CreateFhirClient(await server.EhrTokenAsync("system/Observation.rs"));

        using var response = await observationsOnly.SendAsync(ExportClient.KickOffRequest("$export?_type=Observation,Patient"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("Patient", (await response.ReadAsync<OperationOutcome>()).Issue[0].Diagnostics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_caller_without_any_read_scope_is_403()
    {
        var gateway = server.CreateFhirClient(await server.GatewayTokenAsync());

        using var response = await gateway.SendAsync(ExportClient.KickOffRequest("$export"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(OperationOutcome.IssueType.Forbidden, (await response.ReadAsync<OperationOutcome>()).Issue[0].Code);
    }

    [Fact]
    public async Task Without_a_token_kick_off_status_and_files_are_401()
    {
        var ehr = server.CreateFhirClient(await server.EhrTokenAsync());
        var status = await ehr.KickOffAsync("$export?_type=Patient");
        await ehr.WaitForManifestAsync(status);
        var anonymous = server.CreateFhirClient();

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(ExportClient.KickOffRequest("$export"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(status)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"$export-file/{ExportClient.JobId(status)}/Patient.ndjson")).StatusCode);
    }

    [Fact]
    public async Task Another_client_cannot_poll_download_or_cancel_the_job()
    {
        var ehr = server.CreateFhirClient(await server.EhrTokenAsync());
        await ehr.CreateAsync(Fhir.Patient());
        var status = await ehr.KickOffAsync("$export?_type=Patient");
        var url = (await ehr.WaitForManifestAsync(status)).Outputs()["Patient"].Url;
        var other = server.CreateFhirClient(await server.TokenAsync("reader", server.ReaderKey, SecurityAlgorithms.RsaSha384, "system/*.rs"));

        Assert.Equal(HttpStatusCode.Forbidden, (await other.GetAsync(status)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await other.GetAsync(url)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await other.DeleteAsync(status)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ehr.GetAsync(url)).StatusCode);
    }

    /// <summary>The SMART test server plus a second backend client (<c>reader</c>, system/*.rs).</summary>
    public sealed class Server : IAsyncLifetime
    {
        private readonly SmartServerFactory factory = new();

        public Server()
        {
            ReaderKey = new RsaSecurityKey(System.Security.Cryptography.RSA.Create(2048)) { KeyId = "reader-1" };
            factory.Settings["Export:Directory"] = ExportClient.ExportFolder();
            factory.Settings["Smart:Clients:3:ClientId"] = "reader";
            factory.Settings["Smart:Clients:3:Kind"] = "Backend";
            factory.Settings["Smart:Clients:3:Jwks"] = SmartServerFactory.Jwks(ReaderKey);
            factory.Settings["Smart:Clients:3:Scopes"] = "system/*.rs";
        }

        public RsaSecurityKey ReaderKey { get; }

        public HttpClient CreateFhirClient(string? token = null) => factory.CreateFhirClient(token);

        public Task<string> EhrTokenAsync(string scope = "system/*.cruds") => factory.EhrTokenAsync(scope);

        public Task<string> GatewayTokenAsync() => factory.GatewayTokenAsync();

        public Task<string> TokenAsync(string clientId, SecurityKey key, string algorithm, string scope) => factory.TokenAsync(clientId, key, algorithm, scope);

        public Task InitializeAsync() => Task.CompletedTask;

        public async Task DisposeAsync() => await factory.DisposeAsync();
    }
}