using System.Security.Cryptography;
using System.Text.Json;

using FhirKetamine.Server.Tests.Smart;

using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.IdentityModel.Tokens;

namespace FhirKetamine.Server.Tests.Audit;

/// <summary>
/// The SMART test server (EHR, gateway, app) plus two backend clients of its own: <c>auditor</c>
/// (system/AuditEvent.rs only) and <c>patient-scoped</c> (patient/*.rs: reads every type, patient/ scopes only).
/// </summary>
public sealed class AuditServer : IAsyncDisposable
{
    public AuditServer()
    {
        Factory.Settings["Smart:Clients:3:ClientId"] = "auditor";
        Factory.Settings["Smart:Clients:3:Kind"] = "Backend";
        Factory.Settings["Smart:Clients:3:Jwks"] = SmartServerFactory.Jwks(AuditorKey);
        Factory.Settings["Smart:Clients:3:Scopes"] = "system/AuditEvent.rs";
        Factory.Settings["Smart:Clients:4:ClientId"] = "patient-scoped";
        Factory.Settings["Smart:Clients:4:Kind"] = "Backend";
        Factory.Settings["Smart:Clients:4:Jwks"] = SmartServerFactory.Jwks(PatientScopedKey);
        Factory.Settings["Smart:Clients:4:Scopes"] = "patient/*.rs";
        Factory.Settings["Smart:Clients:2:Scopes"] = $"{AppLaunchTests.Scope} {UserScope}";
    }

    /// <summary>What the public app asks for as Dr Rivera (fhirUser Practitioner/dr-rivera).</summary>
    public const string UserScope = "openid fhirUser user/*.cruds";

    public SmartServerFactory Factory { get; } = new();

    public RsaSecurityKey AuditorKey { get; } = new(RSA.Create(2048)) { KeyId = "auditor-1" };

    public RsaSecurityKey PatientScopedKey { get; } = new(RSA.Create(2048)) { KeyId = "patient-scoped-1" };

    public async Task<HttpClient> EhrAsync() => Factory.CreateFhirClient(await Factory.EhrTokenAsync());

    public async Task<HttpClient> GatewayAsync() => Factory.CreateFhirClient(await Factory.GatewayTokenAsync());

    public async Task<HttpClient> AuditorAsync() =>
        Factory.CreateFhirClient(await Factory.TokenAsync("auditor", AuditorKey, SecurityAlgorithms.RsaSha384, "system/AuditEvent.rs"));

    public async Task<HttpClient> PatientScopedAsync() =>
        Factory.CreateFhirClient(await Factory.TokenAsync("patient-scoped", PatientScopedKey, SecurityAlgorithms.RsaSha384, "patient/*.rs"));

    /// <summary>The public app's access token for Dr Rivera: the code flow through the login and consent forms, with PKCE.</summary>
    public async Task<HttpClient> ClinicianAsync()
    {
        var verifier = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        using var browser = Factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var authorize = "/connect/authorize?response_type=code&client_id=app&redirect_uri=" + Uri.EscapeDataString(AppLaunchTests.Redirect)
            + "&scope=" + Uri.EscapeDataString(UserScope) + "&state=s-1&aud=" + Uri.EscapeDataString("http://localhost/fhir")
            + "&code_challenge=" + AppLaunchTests.Challenge(verifier) + "&code_challenge_method=S256";
        using var start = await browser.GetAsync(authorize);
        var loginPage = await browser.GetStringAsync(start.Headers.Location);
        using var loggedIn = await browser.PostAsync("/connect/login",
            new FormUrlEncodedContent(new Dictionary<string, string>(AppLaunchTests.Hidden(loginPage)) { ["username"] = "rivera", ["password"] = "correct horse" }));
        var consentPage = await browser.GetStringAsync(loggedIn.Headers.Location);
        var fields = AppLaunchTests.Hidden(consentPage).Concat(UserScope.Split(' ').Select(s => KeyValuePair.Create("scope_grant", s)))
            .Append(KeyValuePair.Create("consent", "allow"));
        using var consented = await browser.PostAsync("/connect/authorize", new FormUrlEncodedContent(fields));
        var code = Uri.UnescapeDataString(AppLaunchTests.CodeParameter().Match(consented.Headers.Location!.ToString()).Groups[1].Value);
        using var token = await browser.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = AppLaunchTests.Redirect, ["client_id"] = "app", ["code_verifier"] = verifier,
        }));
        var body = await token.Content.ReadAsStringAsync();
        Assert.True(token.IsSuccessStatusCode, body);
        return Factory.CreateFhirClient(JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString());
    }

    public ValueTask DisposeAsync() => Factory.DisposeAsync();
}
