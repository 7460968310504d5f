using System.Net;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace FhirKetamine.Server.Tests.Smart;

/// <summary>/connect/introspect and /connect/revoke, called by a backend client authenticating with its assertion.</summary>
public sealed class IntrospectionRevocationTests(SmartServerFactory server) : IClassFixture<SmartServerFactory>
{
    [Fact]
    public async Task Introspection_says_active_for_a_live_token()
    {
        var token = await server.EhrTokenAsync();
        var body = await PostAsync("/connect/introspect", token);
        Assert.True(body.GetProperty("active").GetBoolean());
        Assert.Equal("ehr", body.GetProperty("client_id").GetString());
    }

    [Fact]
    public async Task Revoked_token_is_inactive_and_refused_by_the_fhir_api()
    {
        var token = await server.EhrTokenAsync();
        using (var before = server.CreateFhirClient(token))
        using (var ok = await before.GetAsync("Patient"))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        await PostAsync("/connect/revoke", token);

        Assert.False((await PostAsync("/connect/introspect", token)).GetProperty("active").GetBoolean());
        using var after = server.CreateFhirClient(token);
        using var refused = await after.GetAsync("Patient");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    private async Task<JsonElement> PostAsync(string path, string token)
    {
        using var client = server.CreateClient();
        using var response = await client.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = token,
            ["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ["client_assertion"] = SmartServerFactory.Assertion("ehr", server.EhrKey, SecurityAlgorithms.RsaSha384,
                audience: "http://localhost/connect/token"),
        }));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text.Length == 0 ? "{}" : text).RootElement;
    }
}
