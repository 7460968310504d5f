using System.Net;

using FhirKetamine.Server.Tests.Smart;

using Microsoft.AspNetCore.Mvc.Testing;

namespace FhirKetamine.Server.Tests.Hardening;

/// <summary>
/// What a browser sees: security headers on the HTML pages and nosniff on FHIR responses; CORS for a SMART web
/// app on another origin (Cors:AllowedOrigins) on /fhir and /connect/token, never on the login pages.
/// </summary>
public sealed class BrowserHardeningTests(BrowserHardeningTests.Server server) : IClassFixture<BrowserHardeningTests.Server>
{
    private const string AppOrigin = "https://progress.example.org";

    [Fact]
    public async Task Login_page_has_the_security_headers()
    {
        using var browser = Browser();

        using var response = await browser.GetAsync("/connect/login?returnUrl=%2Fconnect%2Fauthorize");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertPageHeaders(response);
    }

    [Fact]
    public async Task Consent_page_with_the_patient_picker_has_the_security_headers()
    {
        using var browser = Browser();
        using var start = await browser.GetAsync(AppLaunchTests.AuthorizeUrl("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "S256"));
        var loginPage = await browser.GetStringAsync(start.Headers.Location);
        using var loggedIn = await browser.PostAsync("/connect/login", new FormUrlEncodedContent(
            new Dictionary<string, string>(AppLaunchTests.Hidden(loginPage)) { ["username"] = "rivera", ["password"] = "correct horse" }));

        using var consent = await browser.GetAsync(loggedIn.Headers.Location);

        Assert.Equal(HttpStatusCode.OK, consent.StatusCode);
        Assert.Contains("name=\"patient\"", await consent.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        AssertPageHeaders(consent);
    }

    [Fact]
    public async Task Fhir_responses_and_errors_are_nosniff()
    {
        var client = server.Factory.CreateFhirClient(await server.Factory.EhrTokenAsync());

        using var search = await client.GetAsync("Patient?_count=1");
        using var missing = await client.GetAsync("Patient/does-not-exist");

        Assert.Equal(["nosniff"], search.Headers.GetValues("X-Content-Type-Options"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(["nosniff"], missing.Headers.GetValues("X-Content-Type-Options"));
    }

    [Fact]
    public async Task Preflight_from_an_allowed_origin_is_answered_for_fhir_and_the_token_endpoint()
    {
        using var browser = Browser();

        foreach (var (path, method) in new[] { ("/fhir/Observation", "POST"), ("/fhir/Patient/123", "GET"), ("/connect/token", "POST") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Options, path);
            request.Headers.Add("Origin", AppOrigin);
            request.Headers.Add("Access-Control-Request-Method", method);
            request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");

            using var response = await browser.SendAsync(request);

            Assert.True(response.StatusCode == HttpStatusCode.NoContent, $"{path}: {(int)response.StatusCode}");
            Assert.Equal([AppOrigin], response.Headers.GetValues("Access-Control-Allow-Origin"));
            Assert.Contains(method, string.Join(',', response.Headers.GetValues("Access-Control-Allow-Methods")), StringComparison.Ordinal);
            var allowedHeaders = string.Join(',', response.Headers.GetValues("Access-Control-Allow-Headers")).ToLowerInvariant();
            Assert.Contains("authorization", allowedHeaders, StringComparison.Ordinal);
            Assert.Contains("content-type", allowedHeaders, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Fhir_responses_to_an_allowed_origin_expose_the_headers_an_app_reads()
    {
        var client = server.Factory.CreateFhirClient(await server.Factory.EhrTokenAsync());
        client.DefaultRequestHeaders.Add("Origin", AppOrigin);

        using var created = await client.PostAsync("Patient", Fhir.Json(Fhir.Patient("Cors")));
        using var anonymous = Browser();
        using var unauthorised = await anonymous.SendAsync(WithOrigin(HttpMethod.Get, "/fhir/Patient", AppOrigin));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal([AppOrigin], created.Headers.GetValues("Access-Control-Allow-Origin"));
        var exposed = string.Join(',', created.Headers.GetValues("Access-Control-Expose-Headers"));
        foreach (var header in new[] { "Location", "ETag", "Content-Location", "X-Progress", "Retry-After" })
        {
            Assert.Contains(header, exposed, StringComparison.OrdinalIgnoreCase);
        }

        // An app must be able to read the error too.
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorised.StatusCode);
        Assert.Equal([AppOrigin], unauthorised.Headers.GetValues("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Other_origins_and_the_login_page_get_no_cors_headers()
    {
        using var browser = Browser();

        using var otherOrigin = await browser.SendAsync(WithOrigin(HttpMethod.Get, "/fhir/metadata", "https://evil.example.com"));
        using var loginPage = await browser.SendAsync(WithOrigin(HttpMethod.Get, "/connect/login", AppOrigin));
        using var allowedMetadata = await browser.SendAsync(WithOrigin(HttpMethod.Get, "/fhir/metadata", AppOrigin));

        Assert.Equal(HttpStatusCode.OK, otherOrigin.StatusCode);
        Assert.False(otherOrigin.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(loginPage.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.Equal([AppOrigin], allowedMetadata.Headers.GetValues("Access-Control-Allow-Origin"));
    }

    private static HttpRequestMessage WithOrigin(HttpMethod method, string path, string origin)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("Origin", origin);
        return request;
    }

    private static void AssertPageHeaders(HttpResponseMessage response)
    {
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var csp = string.Join(';', response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("object-src 'none'", csp, StringComparison.Ordinal);
        Assert.Equal(["DENY"], response.Headers.GetValues("X-Frame-Options"));
        Assert.Equal(["nosniff"], response.Headers.GetValues("X-Content-Type-Options"));
        Assert.Equal(["no-referrer"], response.Headers.GetValues("Referrer-Policy"));
    }

    private HttpClient Browser() => server.Factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    /// <summary>The SMART test server with one allowed web-app origin.</summary>
    public sealed class Server : IAsyncLifetime
    {
        public Server() => Factory.Settings["Cors:AllowedOrigins:0"] = AppOrigin;

        public SmartServerFactory Factory { get; } = new();

        public Task InitializeAsync() => Task.CompletedTask;

        public async Task DisposeAsync() => await Factory.DisposeAsync();
    }
}
