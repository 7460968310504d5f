using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FhirKetamine.Server.Tests.Smart;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.IdentityModel.Tokens;

namespace FhirKetamine.Server.Tests.Progress;

/// <summary>
/// Both operations under SMART: a <c>patient/</c> token (App Launch through the login and consent forms) reaches its
/// own patient only, and a backend token with a few types gets only those types.
/// </summary>
public sealed partial class PatientTokenOperationsTests(SmartServerFactory server) : IClassFixture<SmartServerFactory>
{

    [Fact]
    public async Task A_patient_token_sees_its_own_patient_through_both_operations_and_nothing_of_another()
    {
        var (mine, other) = await TwoPatientsAsync();
        using var fhir = server.CreateFhirClient(await PatientTokenAsync(mine));

        using var everything = await fhir.GetAsync($"Patient/{mine}/$everything");
        Assert.Equal(HttpStatusCode.OK, everything.StatusCode);
        var bundle = await everything.ReadAsync<Bundle>();
        Assert.Equal(["Observation", "Patient", "Practitioner"], bundle.Entry.Select(e => e.Resource!.TypeName).Distinct().Order(StringComparer.Ordinal));
        Assert.DoesNotContain(other, Fhir.ToJson(bundle), StringComparison.Ordinal);
        Assert.DoesNotContain("Zed", Fhir.ToJson(bundle), StringComparison.Ordinal);

        using var progress = await fhir.GetAsync($"Patient/{mine}/$ketamine-progress");
        Assert.Equal(HttpStatusCode.OK, progress.StatusCode);
        var parameters = await progress.ReadAsync<Parameters>();
        var phq9 = parameters.Parameter.First(p => p.Name == "instrument");
        Assert.Equal(12, phq9.Part.Where(p => p.Name == "score").Select(p => Assert.IsType<Integer>(p.Part.Single(x => x.Name == "score").Value).Value).Single());
        using var typeLevel = await fhir.GetAsync($"Patient/$ketamine-progress?patient={mine}");
        Assert.Equal(HttpStatusCode.OK, typeLevel.StatusCode);

        foreach (var path in new[] { $"Patient/{other}/$everything", $"Patient/{other}/$ketamine-progress", $"Patient/$ketamine-progress?patient={other}" })
        {
            using var refused = await fhir.GetAsync(path);
            var body = await refused.Content.ReadAsStringAsync();
            Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"{path}: {refused.StatusCode} {body}");
            Assert.Contains("OperationOutcome", body, StringComparison.Ordinal);
            Assert.DoesNotContain("Zed", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Types_outside_the_scopes_are_left_out()
    {
        var (mine, _) = await TwoPatientsAsync();
        using var narrow = server.CreateFhirClient(await server.EhrTokenAsync("system/Patient.rs system/Practitioner.rs"));

        using var everything = await narrow.GetAsync($"Patient/{mine}/$everything");
        Assert.Equal(HttpStatusCode.OK, everything.StatusCode);
        var bundle = await everything.ReadAsync<Bundle>();
        Assert.Equal(["Patient", "Practitioner"], bundle.Entry.Select(e => e.Resource!.TypeName).Order(StringComparer.Ordinal));

        using var progress = await narrow.GetAsync($"Patient/{mine}/$ketamine-progress");
        Assert.Equal(HttpStatusCode.OK, progress.StatusCode);
        var parameters = await progress.ReadAsync<Parameters>();
        Assert.DoesNotContain(parameters.Parameter, p => p.Name == "instrument");
        var outcome = Assert.IsType<OperationOutcome>(parameters.Parameter.Single(p => p.Name == "outcome").Resource);
        Assert.Contains("Observation", outcome.Issue[0].Diagnostics, StringComparison.Ordinal);

        using var noPatient = server.CreateFhirClient(await server.EhrTokenAsync("system/Observation.rs"));
        using var refused = await noPatient.GetAsync($"Patient/{mine}/$everything");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    private async Task<(string Mine, string Other)> TwoPatientsAsync()
    {
        using var ehr = server.CreateFhirClient(await server.EhrTokenAsync());
        async Task<string> CreateAsync(string type, string json)
        {
            using var response = await ehr.PostAsync(type, new StringContent(json, Encoding.UTF8, new MediaTypeHeaderValue("application/fhir+json")));
            Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
            return response.Headers.Location!.ToString().Split('/')[^3];
        }

        var doctor = await CreateAsync("Practitioner", """{"resourceType":"Practitioner","name":[{"family":"Shah"}]}""");
        var mine = await CreateAsync("Patient", $$$"""{"resourceType":"Patient","name":[{"family":"Okafor","given":["Ada"]}],"generalPractitioner":[{"reference":"Practitioner/{{{doctor}}}"}]}""");
        var other = await CreateAsync("Patient", """{"resourceType":"Patient","name":[{"family":"Zed","given":["Other"]}]}""");
        const string Phq9 = """{"resourceType":"Observation","status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"survey"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"44261-6","display":"Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]"}]},"effectiveDateTime":"2025-04-02T14:05:00-04:00","subject":{"reference":"Patient/PID"},"valueInteger":SCORE,"derivedFrom":[{"reference":"QuestionnaireResponse/qr-PID"}]}""";
        await CreateAsync("Observation", Phq9.Replace("PID", mine, StringComparison.Ordinal).Replace("SCORE", "12", StringComparison.Ordinal));
        await CreateAsync("Observation", Phq9.Replace("PID", other, StringComparison.Ordinal).Replace("SCORE", "25", StringComparison.Ordinal));
        return (mine, other);
    }

    /// <summary>SMART App Launch (standalone, PKCE S256) through the login and consent forms, picking <paramref name="patient"/>.</summary>
    private async Task<string> PatientTokenAsync(string patient)
    {
        using var browser = server.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var verifier = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        using var start = await browser.GetAsync(AppLaunchTests.AuthorizeUrl(AppLaunchTests.Challenge(verifier), "S256"));
        var loginPage = await browser.GetStringAsync(start.Headers.Location);
        using var loggedIn = await browser.PostAsync("/connect/login", new FormUrlEncodedContent(
            AppLaunchTests.Hidden(loginPage).Append(KeyValuePair.Create("username", "rivera")).Append(KeyValuePair.Create("password", "correct horse"))));
        var consentPage = await browser.GetStringAsync(loggedIn.Headers.Location);
        var fields = AppLaunchTests.Hidden(consentPage).Concat(AppLaunchTests.Scope.Split(' ').Select(s => KeyValuePair.Create("scope_grant", s)))
            .Append(KeyValuePair.Create("patient", patient)).Append(KeyValuePair.Create("consent", "allow"));
        using var consented = await browser.PostAsync("/connect/authorize", new FormUrlEncodedContent(fields));
        var code = Uri.UnescapeDataString(AppLaunchTests.CodeParameter().Match(consented.Headers.Location!.ToString()).Groups[1].Value);
        using var token = await browser.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = AppLaunchTests.Redirect, ["client_id"] = "app", ["code_verifier"] = verifier,
        }));
        var json = JsonDocument.Parse(await token.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(patient, json.GetProperty("patient").GetString());
        return json.GetProperty("access_token").GetString()!;
    }
}
