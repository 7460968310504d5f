using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FhirKetamine.Browser.Tests;

/// <summary>
/// The Progress app in Chromium against the real server: the standalone SMART launch through the server's HTML
/// login and patient picker (fhirclient on the app's side), the trajectory, a session's vitals, recording a PHQ-9,
/// and the EHR launch hand-off. Writes the README's screenshots to docs/screenshots/.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ProgressAppTests(BrowserFixture browser, ProgressAppTests.Server server) : IClassFixture<ProgressAppTests.Server>
{
    private const string PatientId = "journey-patient";

    /// <summary>The patient the recording test writes to, so the other tests' counts of the journey patient hold in any order.</summary>
    private const string RecordingPatientId = "demo-responder";

    public sealed class Server : IAsyncLifetime
    {
        public ProgressAppServer Host { get; private set; } = null!;

        public Task InitializeAsync()
        {
            Host = new ProgressAppServer();
            return Task.CompletedTask;
        }

        public async Task DisposeAsync() => await Host.DisposeAsync();
    }

    private string BaseUrl => server.Host.BaseUrl;

    [Fact]
    public async Task A_standalone_launch_through_fhirclient_gets_a_token_with_the_picked_patient()
    {
        await using var context = await browser.NewContextAsync();
        var page = await LaunchAsync(context);

        // issue 6: a real SMART client library (fhirclient) completed the code flow with PKCE against this server.
        var tokenResponse = JsonNode.Parse(await page.EvaluateAsync<string>(
            "() => JSON.stringify(JSON.parse(sessionStorage.getItem(JSON.parse(sessionStorage.getItem('SMART_KEY')))).tokenResponse)"))!;
        var accessToken = tokenResponse["access_token"]!.GetValue<string>();
        Assert.False(string.IsNullOrEmpty(accessToken));
        Assert.Equal(PatientId, tokenResponse["patient"]!.GetValue<string>());
        Assert.Contains("launch/patient", tokenResponse["scope"]!.GetValue<string>().Split(' '));
        Assert.False(string.IsNullOrEmpty(tokenResponse["id_token"]?.GetValue<string>()));
        Assert.DoesNotContain("code=", page.Url, StringComparison.Ordinal);

        // The token works outside the browser too, and only as a bearer token.
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{BaseUrl}/fhir/Patient/{PatientId}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var anonymous = await http.GetAsync($"{BaseUrl}/fhir/Patient/{PatientId}");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task The_trajectory_shows_every_PHQ9_and_GAD7_total_with_the_outcomes()
    {
        await using var context = await browser.NewContextAsync();
        var page = await LaunchAsync(context);

        var expected = ScoreTotals(PatientId);
        var chart = page.Locator("#trajectory");
        await Expect(chart).ToHaveAttributeAsync("data-points", expected.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(chart).ToHaveAttributeAsync("aria-label", new System.Text.RegularExpressions.Regex("PHQ-9: \\d+ totals"));
        Assert.Equal(expected.Count, await page.Locator("#scores tbody tr").CountAsync());
        Assert.True(await CanvasHasInkAsync(page, "#trajectory"));

        // The journey patient went from PHQ-9 21 to 4: response and remission, said in words, not only colour.
        var phq9 = page.Locator("#outcomes p[data-instrument='44261-6']");
        await Expect(phq9).ToHaveAttributeAsync("data-response", "response");
        await Expect(phq9).ToHaveAttributeAsync("data-remission", "remission");
        await Expect(phq9).ToContainTextAsync("response since");
        await Expect(page.Locator("#patient-banner")).ToContainTextAsync($"Patient/{PatientId}");

        var sessions = Directory.EnumerateFiles(JourneyFolder, "Procedure-*.json").Count();
        Assert.Equal(sessions, await page.Locator("#sessions tbody tr").CountAsync());
        await Expect(page.Locator("#sessions tbody tr").First).ToContainTextAsync("mg");

        await page.Locator("#trajectory-h").ScrollIntoViewIfNeededAsync();
        await page.Locator("main section").First.ScreenshotAsync(new() { Path = Screenshot("trajectory.png") });
    }

    [Fact]
    public async Task A_sessions_vitals_chart_marks_the_readings_beyond_the_IG_thresholds()
    {
        await using var context = await browser.NewContextAsync();
        var page = await LaunchAsync(context);

        // Session 4 of the journey: blood pressure 182/104 during the infusion (the bp-intra threshold is 181 systolic).
        await page.GetByRole(AriaRole.Button, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Show vitals of session 4 ") }).ClickAsync();
        await Expect(page.Locator("#vitals-panel")).ToHaveAttributeAsync("data-session", "4");
        await Expect(page.Locator("#vitals-h")).ToBeFocusedAsync();
        await Expect(page.Locator("#breaches")).ToContainTextAsync("Systolic BP 182 mmHg (≥ 181, bp-intra)");
        var points = int.Parse(await page.Locator("#vitals").GetAttributeAsync("data-points") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(points >= 6, $"{points} readings charted");
        Assert.True(await CanvasHasInkAsync(page, "#vitals"));

        // A calm session has no breach, and says so.
        await page.GetByRole(AriaRole.Button, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Show vitals of session 2 ") }).ClickAsync();
        await Expect(page.Locator("#vitals-panel")).ToHaveAttributeAsync("data-session", "2");
        await Expect(page.Locator("#breaches")).ToHaveTextAsync("No reading beyond a threshold.");

        await page.GetByRole(AriaRole.Button, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Show vitals of session 4 ") }).ClickAsync();
        await Expect(page.Locator("#breaches")).ToContainTextAsync("Systolic BP 182");
        await page.Locator("#vitals-panel").ScreenshotAsync(new() { Path = Screenshot("session-vitals.png") });
    }

    [Fact]
    public async Task Recording_a_PHQ9_saves_a_validated_response_and_adds_a_point()
    {
        await using var context = await browser.NewContextAsync();
        var page = await LaunchAsync(context, RecordingPatientId);
        var chart = page.Locator("#trajectory");
        var before = int.Parse(await chart.GetAttributeAsync("data-points") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(before > 0);

        await page.GetByLabel("Questionnaire").SelectOptionAsync("phq9");
        await page.GetByRole(AriaRole.Button, new() { Name = "Open form" }).ClickAsync();
        await Expect(page.Locator("#questionnaire fieldset")).ToHaveCountAsync(10); // nine items and the difficulty question

        // Saving with an item unanswered is refused in the form, naming it.
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.Locator("#record-status")).ToContainTextAsync("Please answer: Little interest or pleasure in doing things");

        // "More than half the days" (2) for each of the nine items: total 18. Answered with the keyboard: focus, then Space.
        for (var item = 1; item <= 9; item++)
        {
            await page.Locator($"#q-phq9-{item}-LA6570-1").FocusAsync();
            await page.Keyboard.PressAsync("Space");
        }

        await Expect(page.Locator("#q-phq9-total")).ToHaveTextAsync("18");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.Locator("#record-status")).ToContainTextAsync("Saved");
        await Expect(chart).ToHaveAttributeAsync("data-points", (before + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(page.Locator("#scores tbody tr")).ToHaveCountAsync(before + 1);
        await Expect(page.Locator("#scores tbody tr").Last).ToContainTextAsync("PHQ-9");
        await Expect(page.Locator("#scores tbody tr").Last).ToContainTextAsync("18");
    }

    [Fact]
    public async Task An_EHR_launch_hands_the_launch_id_to_the_authorization_server()
    {
        await using var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var authorize = page.WaitForRequestAsync(r => r.Url.StartsWith($"{BaseUrl}/connect/authorize", StringComparison.Ordinal));
        await page.GotoAsync($"{BaseUrl}/app/?iss={Uri.EscapeDataString(BaseUrl + "/fhir")}&launch=ehr-launch-123");
        var query = System.Web.HttpUtility.ParseQueryString(new Uri((await authorize).Url).Query);
        Assert.Equal("ehr-launch-123", query["launch"]);
        Assert.Equal("progress", query["client_id"]);
        Assert.Equal($"{BaseUrl}/app/", query["redirect_uri"]);
        Assert.Equal("S256", query["code_challenge_method"]);
        Assert.Contains("launch", query["scope"]!.Split(' '));
        Assert.Equal(BaseUrl + "/fhir", query["aud"]);
    }

    [Fact]
    public async Task The_app_is_served_with_its_security_headers_and_no_caching_of_the_page()
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using var bare = await http.GetAsync($"{BaseUrl}/app");
        Assert.Equal(HttpStatusCode.Redirect, bare.StatusCode);
        Assert.Equal("/app/", bare.Headers.Location?.OriginalString);

        using var index = await http.GetAsync($"{BaseUrl}/app/");
        Assert.Equal(HttpStatusCode.OK, index.StatusCode);
        Assert.Equal("no-cache", index.Headers.CacheControl?.ToString());
        Assert.Contains("script-src 'self'", index.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        var html = await index.Content.ReadAsStringAsync();
        var script = System.Text.RegularExpressions.Regex.Match(html, "src=\"(/app/assets/[^\"]+\\.js)\"").Groups[1].Value;
        using var asset = await http.GetAsync(BaseUrl + script);
        Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
        Assert.Contains("immutable", asset.Headers.CacheControl?.ToString(), StringComparison.Ordinal);

        using var missing = await http.GetAsync($"{BaseUrl}/app/assets/nothing-here.js");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    /// <summary>Opens /app/, signs in on the server's login form, picks the journey patient on the consent page, allows.</summary>
    private async Task<IPage> LaunchAsync(IBrowserContext context, string patientId = PatientId)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync($"{BaseUrl}/app/");
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/connect/login"));
        await page.GetByLabel("Username").FillAsync(ProgressAppServer.Username);
        await page.GetByLabel("Password").FillAsync(ProgressAppServer.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/connect/authorize"));
        await page.GetByLabel("Patient", new() { Exact = true }).SelectOptionAsync(patientId);
        await page.GetByRole(AriaRole.Button, new() { Name = "Allow" }).ClickAsync();
        await page.WaitForURLAsync($"{BaseUrl}/app/**");
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-patient", patientId);
        await Expect(page.Locator("#trajectory")).ToHaveAttributeAsync("data-points", new System.Text.RegularExpressions.Regex("^[1-9]"));
        return page;
    }

    private static async Task<bool> CanvasHasInkAsync(IPage page, string selector) =>
        await page.EvaluateAsync<bool>(
            "(sel) => { const c = document.querySelector(sel); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) return true; return false; }",
            selector);

    private static string JourneyFolder => Path.Combine(AppContext.BaseDirectory, "demo", "journey");

    /// <summary>The PHQ-9 and GAD-7 total Observations of a patient among the seeded files.</summary>
    private static List<string> ScoreTotals(string patientId) =>
        Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "demo"), "Observation-*.json", SearchOption.AllDirectories)
            .Select(f => JsonNode.Parse(File.ReadAllText(f))!)
            .Where(o => o["subject"]?["reference"]?.GetValue<string>() == $"Patient/{patientId}")
            .Where(o => o["code"]!["coding"]!.AsArray().Any(c => c!["code"]!.GetValue<string>() is "44261-6" or "70274-6"))
            .Select(o => o["id"]!.GetValue<string>())
            .ToList();

    /// <summary>docs/screenshots/ of the repository (found from the test binaries upwards).</summary>
    private static string Screenshot(string name)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "FhirKetamine.sln")))
        {
            dir = dir.Parent;
        }

        var folder = Path.Combine(dir?.FullName ?? AppContext.BaseDirectory, "docs", "screenshots");
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, name);
    }
}
