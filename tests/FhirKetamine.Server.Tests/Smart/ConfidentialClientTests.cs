using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace FhirKetamine.Server.Tests.Smart;

/// <summary>
/// A confidential symmetric client (<c>Kind=Confidential</c> with a <c>ClientSecret</c>): the code is exchanged with
/// client_secret_basic or client_secret_post, and a wrong or missing secret is invalid_client. Discovery says so.
/// </summary>
public sealed class ConfidentialClientTests(SmartServerFactory server) : IClassFixture<SmartServerFactory>
{
    private const string Scope = "openid fhirUser launch/patient offline_access patient/*.rs";

    [Theory]
    [InlineData("basic")]
    [InlineData("post")]
    public async Task Code_is_exchanged_with_the_client_secret(string method)
    {
        var (code, verifier, patient) = await CodeAsync();
        using var client = server.CreateClient();
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = AppLaunchTests.Redirect, ["code_verifier"] = verifier,
        };
        if (method == "basic")
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes("portal:" + Uri.EscapeDataString(SmartServerFactory.PortalSecret))));
        }
        else
        {
            form["client_id"] = "portal";
            form["client_secret"] = SmartServerFactory.PortalSecret;
        }

        using var response = await client.PostAsync("/connect/token", new FormUrlEncodedContent(form));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var tokens = JsonDocument.Parse(body).RootElement;
        Assert.Equal(patient, tokens.GetProperty("patient").GetString());
        using var fhir = server.CreateFhirClient(tokens.GetProperty("access_token").GetString());
        Assert.Equal(HttpStatusCode.OK, (await fhir.GetAsync($"Patient/{patient}")).StatusCode);
    }

    [Fact]
    public async Task Wrong_or_missing_secret_is_invalid_client()
    {
        foreach (var secret in new[] { "not-the-secret", null })
        {
            var (code, verifier, _) = await CodeAsync();
            using var client = server.CreateClient();
            var form = new Dictionary<string, string>
            {
                ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = AppLaunchTests.Redirect, ["code_verifier"] = verifier, ["client_id"] = "portal",
            };
            if (secret is not null)
            {
                form["client_secret"] = secret;
            }

            using var response = await client.PostAsync("/connect/token", new FormUrlEncodedContent(form));
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized, body);
            Assert.Contains("invalid_client", body, StringComparison.Ordinal);
            Assert.DoesNotContain("access_token", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Discovery_lists_the_symmetric_methods_and_capability()
    {
        using var client = server.CreateFhirClient();
        var config = JsonDocument.Parse(await client.GetStringAsync(".well-known/smart-configuration")).RootElement;
        var methods = config.GetProperty("token_endpoint_auth_methods_supported").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("client_secret_basic", methods);
        Assert.Contains("client_secret_post", methods);
        var capabilities = config.GetProperty("capabilities").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("client-confidential-symmetric", capabilities);
        Assert.Contains("launch-ehr", capabilities);
        Assert.Contains("context-ehr-patient", capabilities);
    }

    private async Task<(string Code, string Verifier, string Patient)> CodeAsync()
    {
        var (patient, _, _) = await new GranularScopeTests(server).SeedAsync();
        using var browser = AppLaunchTests.Browser(server);
        var verifier = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        var code = await AppLaunchTests.LaunchAsync(browser, AppLaunchTests.Challenge(verifier), "S256", patient, Scope, clientId: "portal");
        return (code, verifier, patient);
    }
}
