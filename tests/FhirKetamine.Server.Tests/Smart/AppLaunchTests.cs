using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FhirKetamine.Server.Tests.Smart;

/// <summary>
/// SMART App Launch (standalone, public client, PKCE S256): a test browser fills the login and consent forms,
/// picks a patient, and the resulting patient/ token sees only that patient.
/// </summary>
public sealed partial class AppLaunchTests(SmartServerFactory server) : IClassFixture<SmartServerFactory>
{
    internal const string Redirect = "http://localhost/app/callback";
    internal const string Scope = "openid fhirUser launch/patient offline_access patient/*.rs";

    [Fact]
    public async Task Code_flow_through_the_forms_gives_a_patient_token_that_sees_only_its_patient()
    {
        var (mine, other) = await TwoPatientsAsync();
        var verifier = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        using var browser = Browser(server);

        var code = await LaunchAsync(browser, Challenge(verifier), "S256", mine);
        using var tokenResponse = await browser.PostAsync("/connect/token", Form(new()
        {
            ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = Redirect, ["client_id"] = "app", ["code_verifier"] = verifier,
        }));
        var tokens = JsonDocument.Parse(await tokenResponse.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, tokenResponse.StatusCode);
        Assert.Equal(mine, tokens.GetProperty("patient").GetString());
        Assert.Equal(Scope, tokens.GetProperty("scope").GetString());
        Assert.Equal("Practitioner/dr-rivera", new JsonWebToken(tokens.GetProperty("id_token").GetString()).GetClaim("fhirUser").Value);

        using var fhir = server.CreateFhirClient(tokens.GetProperty("access_token").GetString());
        Assert.Equal(HttpStatusCode.OK, (await fhir.GetAsync($"Patient/{mine}")).StatusCode);
        using var search = await fhir.GetAsync($"Observation?patient={mine}");
        Assert.Equal(HttpStatusCode.OK, search.StatusCode);
        var found = await search.Content.ReadAsStringAsync();
        Assert.Contains("\"mine\"", found, StringComparison.Ordinal);
        Assert.DoesNotContain(other, found, StringComparison.Ordinal);

        foreach (var path in new[] { $"Patient/{other}", $"Observation?patient={other}", "Observation", "Patient", $"Patient/{other}/_history", "_history" })
        {
            using var response = await fhir.GetAsync(path);
            var body = await response.Content.ReadAsStringAsync();
            // Refused, not found, or (searches and history) bounded by the compartment predicate: never the other patient.
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Forbidden or HttpStatusCode.NotFound, $"{path}: {response.StatusCode}");
            Assert.DoesNotContain("Zed", body, StringComparison.Ordinal);
        }

        using var refreshed = await browser.PostAsync("/connect/token", Form(new()
        {
            ["grant_type"] = "refresh_token", ["refresh_token"] = tokens.GetProperty("refresh_token").GetString()!, ["client_id"] = "app",
        }));
        var again = JsonDocument.Parse(await refreshed.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        Assert.Equal(mine, again.GetProperty("patient").GetString());
    }

    [Fact]
    public async Task Plain_pkce_and_a_wrong_verifier_are_refused()
    {
        var (mine, _) = await TwoPatientsAsync();
        using var browser = Browser(server);
        using var plain = await browser.GetAsync(AuthorizeUrl("abcdefghijklmnopqrstuvwxyzabcdefghijklmnopq", "plain"));
        Assert.DoesNotContain("/connect/login", plain.Headers.Location?.ToString() ?? "", StringComparison.Ordinal);

        var verifier = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        var code = await LaunchAsync(browser, Challenge(verifier), "S256", mine);
        using var wrong = await browser.PostAsync("/connect/token", Form(new()
        {
            ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = Redirect, ["client_id"] = "app",
            ["code_verifier"] = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32)),
        }));
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
    }

    [Fact]
    public async Task Login_form_without_its_antiforgery_token_is_refused()
    {
        using var browser = Browser(server);
        using var response = await browser.PostAsync("/connect/login", Form(new() { ["username"] = "rivera", ["password"] = "correct horse", ["returnUrl"] = "/connect/authorize" }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    /// <summary>
    /// Fills the login and consent forms as a browser would and returns the code. With <paramref name="patient"/> the
    /// picker must offer it and it is chosen; with an EHR <paramref name="launch"/> the page must not show a picker.
    /// </summary>
    internal static async Task<string> LaunchAsync(HttpClient browser, string challenge, string method, string? patient, string scope = Scope, string? launch = null, string clientId = "app")
    {
        using var start = await browser.GetAsync(AuthorizeUrl(challenge, method, scope, launch, clientId));
        Assert.Equal(HttpStatusCode.Redirect, start.StatusCode);
        var loginUrl = start.Headers.Location!.ToString();
        Assert.StartsWith("/connect/login", loginUrl, StringComparison.Ordinal);

        var loginPage = await browser.GetStringAsync(loginUrl);
        using var loggedIn = await browser.PostAsync("/connect/login", Form(new(Hidden(loginPage)) { ["username"] = "rivera", ["password"] = "correct horse" }));
        Assert.Equal(HttpStatusCode.Redirect, loggedIn.StatusCode);

        var consentPage = await browser.GetStringAsync(loggedIn.Headers.Location);
        var fields = Hidden(consentPage).Concat(scope.Split(' ').Select(s => KeyValuePair.Create("scope_grant", s)));
        if (patient is not null)
        {
            Assert.Contains($"value=\"{patient}\"", consentPage, StringComparison.Ordinal);
            fields = fields.Append(KeyValuePair.Create("patient", patient));
        }
        else
        {
            Assert.DoesNotContain("<select", consentPage, StringComparison.Ordinal);
        }

        fields = fields.Append(KeyValuePair.Create("consent", "allow"));
        using var consented = await browser.PostAsync("/connect/authorize", new FormUrlEncodedContent(fields));
        Assert.Equal(HttpStatusCode.Redirect, consented.StatusCode);
        var callback = consented.Headers.Location!.ToString();
        Assert.StartsWith(Redirect, callback, StringComparison.Ordinal);
        Assert.Contains("state=s-1", callback, StringComparison.Ordinal);
        return Uri.UnescapeDataString(CodeParameter().Match(callback).Groups[1].Value);
    }

    internal static string AuthorizeUrl(string challenge, string method, string scope = Scope, string? launch = null, string clientId = "app") =>
        $"/connect/authorize?response_type=code&client_id={clientId}&redirect_uri=" + Uri.EscapeDataString(Redirect)
        + "&scope=" + Uri.EscapeDataString(scope) + "&state=s-1&aud=" + Uri.EscapeDataString("http://localhost/fhir")
        + "&code_challenge=" + challenge + "&code_challenge_method=" + method
        + (launch is null ? string.Empty : "&launch=" + Uri.EscapeDataString(launch));

    internal static string Challenge(string verifier) => Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));

    internal static HttpClient Browser(SmartServerFactory server) => server.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    private async Task<(string Mine, string Other)> TwoPatientsAsync()
    {
        using var ehr = server.CreateFhirClient(await server.EhrTokenAsync());
        async Task<string> CreateAsync(string type, string json)
        {
            using var response = await ehr.PostAsync(type, new StringContent(json, Encoding.UTF8, new MediaTypeHeaderValue("application/fhir+json")));
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            return response.Headers.Location!.ToString().Split('/')[^3];
        }

        var mine = await CreateAsync("Patient", """{"resourceType":"Patient","name":[{"family":"Okafor","given":["Ada"]}]}""");
        var other = await CreateAsync("Patient", """{"resourceType":"Patient","name":[{"family":"Zed","given":["Other"]}]}""");
        await CreateAsync("Observation", $$$"""{"resourceType":"Observation","status":"final","code":{"text":"mine"},"subject":{"reference":"Patient/{{{mine}}}"}}""");
        await CreateAsync("Observation", $$$"""{"resourceType":"Observation","status":"final","code":{"text":"Zed's"},"subject":{"reference":"Patient/{{{other}}}"}}""");
        return (mine, other);
    }

    internal static Dictionary<string, string> Hidden(string html) =>
        HiddenInput().Matches(html).GroupBy(m => WebUtility.HtmlDecode(m.Groups[1].Value))
            .ToDictionary(g => g.Key, g => WebUtility.HtmlDecode(g.First().Groups[2].Value));

    internal static FormUrlEncodedContent Form(Dictionary<string, string> fields) => new(fields);

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]*)\" value=\"([^\"]*)\">")]
    private static partial Regex HiddenInput();

    [GeneratedRegex("[?&]code=([^&]+)")]
    internal static partial Regex CodeParameter();
}
