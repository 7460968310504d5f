using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;
using static FhirKetamine.Server.Tests.Smart.GranularScopeTests;

namespace FhirKetamine.Server.Tests.Smart;

/// <summary>
/// EHR launch through the HTML forms: the EHR mints a launch id for a patient, the app passes it to /connect/authorize
/// with the launch scope, and its token carries that patient with no picker. Also what a patient token (with a granular
/// scope) may read by id: its compartment's vital signs, and 404 for everything else.
/// </summary>
public sealed class EhrLaunchTests(SmartServerFactory server) : IClassFixture<SmartServerFactory>
{
    private const string LaunchScope = "openid fhirUser launch patient/Patient.rs patient/Observation.rs?category=" + VitalSigns;

    [Fact]
    public async Task Ehr_launch_gives_the_launched_patient_without_a_picker_and_a_granular_patient_token_sees_only_its_vital_signs()
    {
        var granular = new GranularScopeTests(server);
        var (mine, myVital, myLab) = await granular.SeedAsync();
        var (other, otherVital, _) = await granular.SeedAsync();
        var launch = await CreateLaunchAsync(mine);

        var tokens = await CodeFlowAsync(LaunchScope, launch);
        Assert.Equal(mine, tokens.GetProperty("patient").GetString());
        Assert.Equal(LaunchScope, tokens.GetProperty("scope").GetString());

        using var fhir = server.CreateFhirClient(tokens.GetProperty("access_token").GetString());
        Assert.Equal(HttpStatusCode.OK, (await fhir.GetAsync($"Patient/{mine}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await fhir.GetAsync($"Observation/{myVital}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await fhir.GetAsync($"Observation/{myVital}/_history/1")).StatusCode);

        // Outside the compartment or the category: 404 on read, vread and history, as if it did not exist.
        foreach (var path in new[]
        {
            $"Patient/{other}", $"Observation/{otherVital}", $"Observation/{otherVital}/_history/1", $"Observation/{otherVital}/_history",
            $"Patient/{other}/_history", $"Observation/{myLab}", $"Observation/{myLab}/_history",
        })
        {
            using var response = await fhir.GetAsync(path);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{path}: {response.StatusCode}");
            Assert.DoesNotContain("glucose", body, StringComparison.Ordinal);
        }

        foreach (var path in new[]
        {
            "Observation", $"Observation?subject=Patient/{other}", "Observation/_history", "Patient",
            $"Patient?_revinclude=Observation:subject", $"Observation?_include=Observation:subject",
        })
        {
            using var response = await fhir.GetAsync(path);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {response.StatusCode} {body}");

            // The entries only: the Bundle's self link repeats the query, which may name the other patient.
            body = JsonDocument.Parse(body).RootElement.TryGetProperty("entry", out var entries) ? entries.GetRawText() : string.Empty;
            Assert.DoesNotContain(other, body, StringComparison.Ordinal);
            Assert.DoesNotContain(myLab, body, StringComparison.Ordinal);
            Assert.DoesNotContain("glucose", body, StringComparison.Ordinal);
            if (!path.Contains(other, StringComparison.Ordinal))
            {
                Assert.Contains(path.StartsWith("Patient", StringComparison.Ordinal) && !path.Contains("_revinclude", StringComparison.Ordinal) ? mine : myVital, body, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task Launch_scope_with_a_forged_or_missing_launch_is_refused_and_a_launch_needs_an_ehr_token()
    {
        using var browser = AppLaunchTests.Browser(server);
        var verifier = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        await LoginAsync(browser, AppLaunchTests.AuthorizeUrl(AppLaunchTests.Challenge(verifier), "S256", LaunchScope, "forged"));
        using var forged = await browser.GetAsync(AppLaunchTests.AuthorizeUrl(AppLaunchTests.Challenge(verifier), "S256", LaunchScope, "forged"));
        Assert.Equal(HttpStatusCode.Redirect, forged.StatusCode);
        Assert.Contains("error=invalid_request", forged.Headers.Location!.ToString(), StringComparison.Ordinal);

        var (mine, _, _) = await new GranularScopeTests(server).SeedAsync();
        var boundToAnother = await CreateLaunchAsync(mine, clientId: "portal");
        using var wrongClient = await browser.GetAsync(AppLaunchTests.AuthorizeUrl(AppLaunchTests.Challenge(verifier), "S256", LaunchScope, boundToAnother));
        Assert.Contains("error=invalid_request", wrongClient.Headers.Location!.ToString(), StringComparison.Ordinal);

        using var anonymous = server.CreateClient();
        using var noToken = await anonymous.PostAsync("/connect/launch", new FormUrlEncodedContent(new Dictionary<string, string> { ["patient"] = mine }));
        Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);

        using var gateway = server.CreateClient();
        gateway.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await server.GatewayTokenAsync());
        using var refused = await gateway.PostAsync("/connect/launch", new FormUrlEncodedContent(new Dictionary<string, string> { ["patient"] = mine }));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("OperationOutcome", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private async Task<string> CreateLaunchAsync(string patient, string? clientId = null)
    {
        using var ehr = server.CreateClient();
        ehr.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await server.EhrTokenAsync());
        var form = new Dictionary<string, string> { ["patient"] = patient };
        if (clientId is not null)
        {
            form["client_id"] = clientId;
        }

        using var response = await ehr.PostAsync("/connect/launch", new FormUrlEncodedContent(form));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("launch").GetString()!;
    }

    private async Task<JsonElement> CodeFlowAsync(string scope, string launch)
    {
        using var browser = AppLaunchTests.Browser(server);
        var verifier = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        var code = await AppLaunchTests.LaunchAsync(browser, AppLaunchTests.Challenge(verifier), "S256", patient: null, scope, launch);
        using var response = await browser.PostAsync("/connect/token", AppLaunchTests.Form(new()
        {
            ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = AppLaunchTests.Redirect, ["client_id"] = "app", ["code_verifier"] = verifier,
        }));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static async Task LoginAsync(HttpClient browser, string authorizeUrl)
    {
        using var start = await browser.GetAsync(authorizeUrl);
        var loginPage = await browser.GetStringAsync(start.Headers.Location);
        using var loggedIn = await browser.PostAsync("/connect/login", AppLaunchTests.Form(new(AppLaunchTests.Hidden(loginPage)) { ["username"] = "rivera", ["password"] = "correct horse" }));
        Assert.Equal(HttpStatusCode.Redirect, loggedIn.StatusCode);
    }
}
