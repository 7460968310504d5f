using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Microsoft.IdentityModel.Tokens;

namespace FhirKetamine.Server.Tests.Smart;

/// <summary>
/// Two instances of the embedded SMART server behind one database (PostgreSQL in CI's second run): signing
/// keys, tokens, the jti ledger and the Data Protection key ring are shared through the database, so any
/// step of a flow may land on either instance, as it would behind a load balancer.
/// </summary>
public sealed class TwoInstancesSmartTests : IAsyncLifetime
{
    private readonly SmartServerFactory _first = new();
    private SmartServerFactory _second = null!;

    public Task InitializeAsync()
    {
        _ = _first.CreateClient(); // the first instance migrates the database and makes the signing keys
        _second = new SmartServerFactory(_first);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _second.DisposeAsync();
        await _first.DisposeAsync();
    }

    [Fact]
    public async Task A_backend_token_issued_by_one_instance_is_accepted_by_the_other()
    {
        var token = await _first.EhrTokenAsync();

        using var created = await _second.CreateFhirClient(token).PostAsync("Patient", Json("""{"resourceType":"Patient","name":[{"family":"Adeyemi"}]}"""));
        using var read = await _first.CreateFhirClient(token).GetAsync(created.Headers.Location!.ToString().Split("/_history")[0].Replace("http://localhost/fhir/", "", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
    }

    [Fact]
    public async Task A_client_assertion_replayed_to_the_other_instance_is_refused()
    {
        var assertion = SmartServerFactory.Assertion("ehr", _first.EhrKey, SecurityAlgorithms.RsaSha384);

        using var first = await _first.RequestBackendTokenAsync(assertion, "system/Patient.rs");
        using var replayed = await _second.RequestBackendTokenAsync(assertion, "system/Patient.rs");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var body = await replayed.Content.ReadAsStringAsync();
        Assert.True(replayed.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized, $"{replayed.StatusCode}: {body}");
        Assert.Contains("invalid_client", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_code_flow_works_when_every_step_lands_on_the_other_instance()
    {
        using var ehr = _first.CreateFhirClient(await _first.EhrTokenAsync());
        using var patient = await ehr.PostAsync("Patient", Json("""{"resourceType":"Patient","name":[{"family":"Okafor","given":["Ada"]}]}"""));
        var patientId = patient.Headers.Location!.ToString().Split('/')[^3];
        var cookies = new CookieContainer();
        using var onFirst = _first.CreateDefaultClient(new CookieContainerHandler(cookies));
        using var onSecond = _second.CreateDefaultClient(new CookieContainerHandler(cookies));
        var verifier = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));

        // authorize on the first, the login form from the second, posted to the first (antiforgery and cookie
        // made by one instance, read by the other), the consent page from the second, consent posted to the first.
        using var start = await onFirst.GetAsync(AppLaunchTests.AuthorizeUrl(AppLaunchTests.Challenge(verifier), "S256"));
        var loginPage = await onSecond.GetStringAsync(start.Headers.Location);
        using var loggedIn = await onFirst.PostAsync("/connect/login", new FormUrlEncodedContent(
            new Dictionary<string, string>(AppLaunchTests.Hidden(loginPage)) { ["username"] = "rivera", ["password"] = "correct horse" }));
        var consentPage = await onSecond.GetStringAsync(loggedIn.Headers.Location);
        var fields = AppLaunchTests.Hidden(consentPage)
            .Concat(AppLaunchTests.Scope.Split(' ').Select(s => KeyValuePair.Create("scope_grant", s)))
            .Append(KeyValuePair.Create("patient", patientId)).Append(KeyValuePair.Create("consent", "allow"));
        using var consented = await onFirst.PostAsync("/connect/authorize", new FormUrlEncodedContent(fields));
        var code = Uri.UnescapeDataString(AppLaunchTests.CodeParameter().Match(consented.Headers.Location!.ToString()).Groups[1].Value);

        // the code redeemed on the second, the token used on the first, the refresh token on the second.
        using var tokenResponse = await onSecond.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = AppLaunchTests.Redirect, ["client_id"] = "app", ["code_verifier"] = verifier,
        }));
        var tokens = JsonDocument.Parse(await tokenResponse.Content.ReadAsStringAsync()).RootElement;
        using var read = await _first.CreateFhirClient(tokens.GetProperty("access_token").GetString()).GetAsync($"Patient/{patientId}");
        using var refreshed = await onSecond.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token", ["refresh_token"] = tokens.GetProperty("refresh_token").GetString()!, ["client_id"] = "app",
        }));

        Assert.Equal(HttpStatusCode.Redirect, loggedIn.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, consented.StatusCode);
        Assert.Equal(HttpStatusCode.OK, tokenResponse.StatusCode);
        Assert.Equal(patientId, tokens.GetProperty("patient").GetString());
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, new MediaTypeHeaderValue("application/fhir+json"));
}
