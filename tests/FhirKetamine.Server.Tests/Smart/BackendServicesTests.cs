using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FhirKetamine.Server.Tests.Smart;

/// <summary>SMART Backend Services through HTTP: real signed client assertions, the token, and what it allows.</summary>
public sealed class BackendServicesTests(SmartServerFactory server) : IClassFixture<SmartServerFactory>
{
    private const string Patient = """{"resourceType":"Patient","name":[{"family":"Okafor"}]}""";
    private const string Observation = """{"resourceType":"Observation","status":"final","code":{"text":"heart rate"}}""";

    [Fact]
    public async Task Rs384_assertion_gets_a_bearer_token_with_the_granted_scope()
    {
        using var response = await server.RequestBackendTokenAsync(
            SmartServerFactory.Assertion("ehr", server.EhrKey, SecurityAlgorithms.RsaSha384), "system/*.cruds");
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Bearer", body.GetProperty("token_type").GetString());
        Assert.Equal("system/*.cruds", body.GetProperty("scope").GetString());
        Assert.InRange(body.GetProperty("expires_in").GetInt32(), 1, 300);
        var token = new JsonWebToken(body.GetProperty("access_token").GetString());
        Assert.Equal("ehr", token.GetClaim("client_id").Value);
    }

    [Fact]
    public async Task Es384_assertion_gets_a_token()
    {
        var token = await server.GatewayTokenAsync();
        Assert.NotEmpty(token);
    }

    [Fact]
    public async Task Scopes_beyond_the_registration_are_dropped_and_none_left_is_invalid_scope()
    {
        using var narrowed = await server.RequestBackendTokenAsync(
            SmartServerFactory.Assertion("gateway", server.GatewayKey, SecurityAlgorithms.EcdsaSha384), "system/Observation.c system/Patient.r system/*.cruds");
        var body = JsonDocument.Parse(await narrowed.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, narrowed.StatusCode);
        Assert.Equal("system/Observation.c", body.GetProperty("scope").GetString());

        using var refused = await server.RequestBackendTokenAsync(
            SmartServerFactory.Assertion("gateway", server.GatewayKey, SecurityAlgorithms.EcdsaSha384), "system/Patient.rs");
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("invalid_scope", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Assertion_signed_with_another_key_is_invalid_client()
    {
        var stranger = new RsaSecurityKey(RSA.Create(2048)) { KeyId = "ehr-1" };
        using var response = await server.RequestBackendTokenAsync(SmartServerFactory.Assertion("ehr", stranger, SecurityAlgorithms.RsaSha384), "system/*.cruds");
        await AssertInvalidClientAsync(response);
    }

    [Fact]
    public async Task Replayed_assertion_is_invalid_client()
    {
        var assertion = SmartServerFactory.Assertion("ehr", server.EhrKey, SecurityAlgorithms.RsaSha384);
        using var first = await server.RequestBackendTokenAsync(assertion, "system/*.cruds");
        using var second = await server.RequestBackendTokenAsync(assertion, "system/*.cruds");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        await AssertInvalidClientAsync(second);
    }

    [Fact]
    public async Task Expired_assertion_is_invalid_client()
    {
        using var response = await server.RequestBackendTokenAsync(
            SmartServerFactory.Assertion("ehr", server.EhrKey, SecurityAlgorithms.RsaSha384, expiresIn: TimeSpan.FromMinutes(-10)), "system/*.cruds");
        await AssertInvalidClientAsync(response);
    }

    [Fact]
    public async Task Assertion_valid_for_an_hour_is_invalid_client()
    {
        using var response = await server.RequestBackendTokenAsync(
            SmartServerFactory.Assertion("ehr", server.EhrKey, SecurityAlgorithms.RsaSha384, expiresIn: TimeSpan.FromMinutes(60)), "system/*.cruds");
        await AssertInvalidClientAsync(response);
    }

    [Fact]
    public async Task Assertion_for_another_audience_is_invalid_client()
    {
        using var response = await server.RequestBackendTokenAsync(
            SmartServerFactory.Assertion("ehr", server.EhrKey, SecurityAlgorithms.RsaSha384, audience: "https://elsewhere.example/token"), "system/*.cruds");
        await AssertInvalidClientAsync(response);
    }

    [Fact]
    public async Task Assertion_naming_another_client_is_invalid_client()
    {
        using var response = await server.RequestBackendTokenAsync(
            SmartServerFactory.Assertion("gateway", server.EhrKey, SecurityAlgorithms.RsaSha384), "system/Observation.c");
        await AssertInvalidClientAsync(response);
    }

    [Fact]
    public async Task Ehr_token_reads_and_writes()
    {
        using var client = server.CreateFhirClient(await server.EhrTokenAsync());
        using var created = await client.PostAsync("Patient", Fhir(Patient));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var read = await client.GetAsync(created.Headers.Location);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
    }

    [Fact]
    public async Task Gateway_creates_observations_but_cannot_read_or_search()
    {
        using var client = server.CreateFhirClient(await server.GatewayTokenAsync());
        using var created = await client.PostAsync("Observation", Fhir(Observation));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        foreach (var path in new[] { created.Headers.Location!.ToString(), "Observation", "Patient", "Observation/_history", "_history" })
        {
            using var response = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Contains("OperationOutcome", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var patient = await client.PostAsync("Patient", Fhir(Patient));
        Assert.Equal(HttpStatusCode.Forbidden, patient.StatusCode);
    }

    [Fact]
    public async Task Gateway_cannot_read_through_a_batch()
    {
        using var client = server.CreateFhirClient(await server.GatewayTokenAsync());
        const string batch = """{"resourceType":"Bundle","type":"batch","entry":[{"request":{"method":"GET","url":"Patient"}}]}""";
        using var response = await client.PostAsync("", Fhir(batch));
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("\"403", body, StringComparison.Ordinal);
        Assert.DoesNotContain("\"searchset\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_token_is_401_with_a_bearer_challenge_and_an_OperationOutcome()
    {
        using var client = server.CreateFhirClient();
        using var response = await client.GetAsync("Patient");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
        Assert.Contains("OperationOutcome", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tampered_and_foreign_tokens_are_401()
    {
        var token = await server.EhrTokenAsync();
        var parts = token.Split('.');
        var payload = Base64UrlEncoder.Decode(parts[1]).Replace("system/*.cruds", "system/*.crudx", StringComparison.Ordinal);
        var tampered = $"{parts[0]}.{Base64UrlEncoder.Encode(payload)}.{parts[2]}";
        var foreign = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "http://localhost/",
            Audience = "fhirketamine",
            Claims = new Dictionary<string, object> { ["scope"] = "system/*.cruds", ["sub"] = "ehr", ["client_id"] = "ehr" },
            TokenType = "at+jwt",
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(RSA.Create(2048)) { KeyId = "x" }, SecurityAlgorithms.RsaSha256),
        });
        var none = $"{Base64UrlEncoder.Encode("""{"alg":"none","typ":"at+jwt"}""")}.{parts[1]}.";

        foreach (var bad in new[] { tampered, foreign, none, "not-a-jwt" })
        {
            using var client = server.CreateFhirClient(bad);
            using var response = await client.GetAsync("Patient");
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
    }

    [Fact]
    public async Task Metadata_and_discovery_stay_anonymous()
    {
        using var client = server.CreateFhirClient();
        using var metadata = await client.GetAsync("metadata");
        Assert.Equal(HttpStatusCode.OK, metadata.StatusCode);
        var security = JsonDocument.Parse(await metadata.Content.ReadAsStringAsync()).RootElement.GetProperty("rest")[0].GetProperty("security");
        Assert.Equal("SMART-on-FHIR", security.GetProperty("service")[0].GetProperty("coding")[0].GetProperty("code").GetString());
        var oauthUris = security.GetProperty("extension").EnumerateArray()
            .Single(e => e.GetProperty("url").GetString() == "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris")
            .GetProperty("extension").EnumerateArray().ToDictionary(e => e.GetProperty("url").GetString()!, e => e.GetProperty("valueUri").GetString());
        Assert.Equal("http://localhost/connect/token", oauthUris["token"]);
        Assert.Equal("http://localhost/connect/authorize", oauthUris["authorize"]);

        using var smart = await client.GetAsync(".well-known/smart-configuration");
        var config = JsonDocument.Parse(await smart.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("http://localhost/connect/token", config.GetProperty("token_endpoint").GetString());
        Assert.Equal(["S256"], config.GetProperty("code_challenge_methods_supported").EnumerateArray().Select(e => e.GetString()));

        using var jwks = await client.GetAsync("/.well-known/jwks");
        Assert.Equal(HttpStatusCode.OK, jwks.StatusCode);
        Assert.Contains("\"RSA\"", await jwks.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static async Task AssertInvalidClientAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized, $"{response.StatusCode}: {body}");
        Assert.Contains("invalid_client", body, StringComparison.Ordinal);
    }

    private static StringContent Fhir(string json) => new(json, Encoding.UTF8, new MediaTypeHeaderValue("application/fhir+json"));
}
