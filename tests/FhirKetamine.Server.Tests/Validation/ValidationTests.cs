using System.Net;

using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Utility;

namespace FhirKetamine.Server.Tests.Validation;

/// <summary>Every write is validated against core R4, its meta.profile and the IG profile its content selects.</summary>
public sealed class ValidationTests(FhirServerFactory factory) : IClassFixture<FhirServerFactory>
{
    private static readonly FhirJsonDeserializer Lenient = new(new DeserializerSettings().UsingMode(DeserializationMode.Recoverable));

    private readonly HttpClient _client = factory.CreateFhirClient();

    public static TheoryData<string> ValidExamples() => new(IgExamples.Valid());

    public static TheoryData<string> InvalidExamples() => new(IgExamples.Invalid().Select(e => e.File));

    [Theory]
    [MemberData(nameof(ValidExamples))]
    public async Task Valid_IG_example_is_created_201(string file)
    {
        var json = IgExamples.Read("valid", file);
        var type = file.Split('-')[0];

        var response = await _client.PostAsync(type, Fhir.Json(json));

        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{file}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    [Theory]
    [MemberData(nameof(InvalidExamples))]
    public async Task Invalid_IG_example_is_refused_422_with_its_recorded_error_and_nothing_stored(string file)
    {
        var expected = IgExamples.Invalid().Single(e => e.File == file);
        var resource = Lenient.DeserializeResource(IgExamples.Read("invalid", file));
        var path = $"{resource.TypeName}/{resource.Id}";

        var response = await _client.PutAsync(path, Fhir.Json(IgExamples.Read("invalid", file)));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var outcome = await response.ReadAsync<OperationOutcome>();
        foreach (var want in expected.Errors)
        {
            Assert.True(outcome.Issue.Any(i => Matches(i, want)), $"{file}: no issue like {want} in\n{Show(outcome)}");
        }

        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync(path)).StatusCode);
    }

    [Fact]
    public async Task Heart_rate_without_meta_profile_still_gets_the_vital_sign_profile_rules()
    {
        var reading = Fhir.HeartRate("p1", "2025-03-07T09:45:00Z", 88);
        reading.Subject = null;
        var other = Fhir.HeartRate("p1", "2025-03-07T09:45:00Z", 88);
        other.Subject = null;
        other.Code = new CodeableConcept("http://loinc.org", "11506-3", "Progress note");
        other.Category.Clear();

        var refused = await _client.PostAsync("Observation", Fhir.Json(reading));
        var accepted = await _client.PostAsync("Observation", Fhir.Json(other));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        var outcome = await refused.ReadAsync<OperationOutcome>();
        Assert.Contains(outcome.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Error && (i.Details?.Text ?? "").Contains("'subject'", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
    }

    [Fact]
    public async Task Unknown_meta_profile_is_refused_422_naming_it()
    {
        var patient = Fhir.Patient();
        patient.Meta = new Meta { Profile = ["http://example.org/fhir/StructureDefinition/nobody-knows"] };

        var response = await _client.PostAsync("Patient", Fhir.Json(patient));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var issue = Assert.Single((await response.ReadAsync<OperationOutcome>()).Issue, i => i.Severity == OperationOutcome.IssueSeverity.Error);
        Assert.Contains("http://example.org/fhir/StructureDefinition/nobody-knows", issue.Diagnostics, StringComparison.Ordinal);
        Assert.Equal(["Patient.meta.profile[0]"], issue.Expression);
    }

    [Fact]
    public async Task Transaction_with_one_invalid_entry_stores_nothing()
    {
        var mrn = Guid.NewGuid().ToString("N");
        var invalid = Fhir.HeartRate("p1", "2025-03-07T09:45:00Z", 88);
        invalid.Subject = null;
        var bundle = new Bundle
        {
            Type = Bundle.BundleType.Transaction,
            Entry =
            [
                new() { FullUrl = "urn:uuid:0d7f6b0e-1111-4c6a-9a55-000000000001", Resource = Fhir.Patient(mrn: mrn), Request = new() { Method = Bundle.HTTPVerb.POST, Url = "Patient" } },
                new() { Resource = invalid, Request = new() { Method = Bundle.HTTPVerb.POST, Url = "Observation" } },
            ],
        };

        var response = await _client.PostAsync("", Fhir.Json(bundle));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var outcome = await response.ReadAsync<OperationOutcome>();
        Assert.Contains(outcome.Issue, i => i.Expression.Any(e => e is not null && e.StartsWith("Bundle.entry[1].resource", StringComparison.Ordinal)));
        var found = await (await _client.GetAsync($"Patient?identifier={mrn}")).ReadAsync<Bundle>();
        Assert.Equal(0, found.Total);
    }

    [Fact]
    public async Task A_transactions_entries_are_validated_together_and_every_refusal_is_reported_in_entry_order()
    {
        // Validated as many at once as there are cores: the answer must not depend on which finished first.
        var patient = await _client.CreateAsync(Fhir.Patient());
        var bundle = new Bundle { Type = Bundle.BundleType.Transaction };
        int[] invalid = [3, 17, 18, 36];
        for (var i = 0; i < 40; i++)
        {
            var reading = Fhir.HeartRate(patient.Id!, $"2025-03-07T09:{i:00}:00Z", 60 + i);
            if (invalid.Contains(i))
            {
                reading.Subject = null;
            }

            bundle.Entry.Add(new() { Resource = reading, Request = new() { Method = Bundle.HTTPVerb.POST, Url = "Observation" } });
        }

        for (var attempt = 0; attempt < 3; attempt++)
        {
            var response = await _client.PostAsync("", Fhir.Json(bundle));

            Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
            var outcome = await response.ReadAsync<OperationOutcome>();
            var entries = outcome.Issue.Where(i => i.Severity == OperationOutcome.IssueSeverity.Error)
                .Select(i => System.Text.RegularExpressions.Regex.Match(i.Expression.First()!, @"^Bundle\.entry\[(\d+)\]").Groups[1].Value)
                .Select(int.Parse)
                .ToList();
            Assert.Equal(invalid, entries.Distinct());
            Assert.Equal(entries.Order(), entries);
        }

        var stored = await (await _client.GetAsync($"Observation?subject=Patient/{patient.Id}&_summary=count")).ReadAsync<Bundle>();
        Assert.Equal(0, stored.Total);
    }

    [Fact]
    public async Task Validate_returns_the_same_OperationOutcome_as_a_write()
    {
        var json = IgExamples.Read("invalid", "Observation-heartrate-unit-not-per-minute.json");
        var resource = Lenient.DeserializeResource(json);

        var write = await (await _client.PutAsync($"Observation/{resource.Id}", Fhir.Json(json))).ReadAsync<OperationOutcome>();
        var typeLevel = await _client.PostAsync("Observation/$validate", Fhir.Json(json));
        var parameters = new Parameters();
        parameters.Add("resource", resource);
        var asParameters = await _client.PostAsync("Observation/$validate", Fhir.Json(parameters));

        Assert.Equal(HttpStatusCode.OK, typeLevel.StatusCode);
        Assert.Equal(Show(write), Show(await typeLevel.ReadAsync<OperationOutcome>()));
        Assert.Equal(Show(write), Show(await asParameters.ReadAsync<OperationOutcome>()));
        Assert.All(write.Issue, i => Assert.NotEmpty(i.Expression));
    }

    [Fact]
    public async Task Validate_at_instance_level_checks_the_stored_resource_and_takes_a_profile_parameter()
    {
        var patient = await _client.CreateAsync(Fhir.Patient());

        var plain = await (await _client.GetAsync($"Patient/{patient.Id}/$validate")).ReadAsync<OperationOutcome>();
        var unknown = await (await _client.GetAsync($"Patient/{patient.Id}/$validate?profile=http://example.org/none")).ReadAsync<OperationOutcome>();

        Assert.DoesNotContain(plain.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Error);
        Assert.Contains(unknown.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Error && (i.Diagnostics ?? "").Contains("http://example.org/none", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Warnings_come_back_with_Prefer_return_OperationOutcome()
    {
        var questionnaire = Lenient.DeserializeResource(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "profiles", "package", "Questionnaire-phq9.json")));
        questionnaire.Id = "phq9-copy-" + Guid.NewGuid().ToString("N")[..8];
        using var request = new HttpRequestMessage(HttpMethod.Put, $"Questionnaire/{questionnaire.Id}") { Content = Fhir.Json(questionnaire) };
        request.Headers.Add("Prefer", "return=OperationOutcome");

        var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var outcome = await response.ReadAsync<OperationOutcome>();
        Assert.Contains(outcome.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Warning);
    }

    [Fact]
    public async Task A_profile_posted_through_the_API_is_used_by_the_very_next_validate()
    {
        const string url = "http://example.org/fhir/StructureDefinition/patient-with-birth-place";
        var patient = Fhir.Patient();
        patient.Meta = new Meta { Profile = [url] };
        var profile = Fhir.PatientProfileRequiringAddress("patient-with-birth-place", url);

        var before = await (await _client.PostAsync("Patient/$validate", Fhir.Json(patient))).ReadAsync<OperationOutcome>();
        var stored = await _client.PutAsync($"StructureDefinition/{profile.Id}", Fhir.Json(profile));
        var after = await (await _client.PostAsync("Patient/$validate", Fhir.Json(patient))).ReadAsync<OperationOutcome>();

        Assert.Contains(before.Issue, i => (i.Diagnostics ?? "").Contains(url, StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Created, stored.StatusCode);
        Assert.DoesNotContain(after.Issue, i => (i.Diagnostics ?? "").Contains("not known", StringComparison.Ordinal));
        Assert.Contains(after.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Error && (i.Details?.Text ?? "").Contains("'address'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_global_profile_of_an_ImplementationGuide_on_the_server_applies_to_every_resource_of_its_type()
    {
        const string url = "http://example.org/fhir/StructureDefinition/global-patient-with-address";
        var profile = Fhir.PatientProfileRequiringAddress("global-patient-with-address", url);
        var guide = new ImplementationGuide
        {
            Id = "global-patient-guide",
            Url = "http://example.org/fhir/ImplementationGuide/global-patient-guide",
            Name = "GlobalPatientGuide",
            Status = PublicationStatus.Active,
            PackageId = "example.global.patient",
            FhirVersion = [FHIRVersion.N4_0_1],
            Global = [new ImplementationGuide.GlobalComponent { Type = ResourceType.Patient, Profile = url }],
        };
        var withAddress = Fhir.Patient();
        withAddress.Address = [new Address { City = "Bern" }];

        Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync($"StructureDefinition/{profile.Id}", Fhir.Json(profile))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync($"ImplementationGuide/{guide.Id}", Fhir.Json(guide))).StatusCode);
        try
        {
            var without = await (await _client.PostAsync("Patient/$validate", Fhir.Json(Fhir.Patient()))).ReadAsync<OperationOutcome>();
            var with = await (await _client.PostAsync("Patient/$validate", Fhir.Json(withAddress))).ReadAsync<OperationOutcome>();

            Assert.Contains(without.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Error && (i.Details?.Text ?? "").Contains("'address'", StringComparison.Ordinal));
            Assert.DoesNotContain(with.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Error);
        }
        finally
        {
            await _client.DeleteAsync($"ImplementationGuide/{guide.Id}");
            await _client.DeleteAsync($"StructureDefinition/{profile.Id}");
        }

        var afterwards = await (await _client.PostAsync("Patient/$validate", Fhir.Json(Fhir.Patient()))).ReadAsync<OperationOutcome>();
        Assert.DoesNotContain(afterwards.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Error);
    }

    [Fact]
    public async Task Health_ready_turns_healthy_once_the_validator_is_warm()
    {
        var client = factory.CreateClient();
        var deadline = DateTime.UtcNow.AddSeconds(120);
        HttpStatusCode status;
        do
        {
            status = (await client.GetAsync("/health/ready")).StatusCode;
            if (status == HttpStatusCode.OK)
            {
                break;
            }

            await Task.Delay(200);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Equal(HttpStatusCode.OK, status);
    }

    private static bool Matches(OperationOutcome.IssueComponent issue, IgExamples.ExpectedIssue want) =>
        issue.Severity?.GetLiteral() == want.Severity && issue.Code?.GetLiteral() == want.Code
        && issue.Expression.Contains(want.Expression)
        && (issue.Details?.Text ?? issue.Diagnostics ?? "").Contains(want.MessageContains, StringComparison.Ordinal);

    private static string Show(OperationOutcome outcome) =>
        string.Join("\n", outcome.Issue.Select(i => $"{i.Severity?.GetLiteral()} {i.Code?.GetLiteral()} [{string.Join(",", i.Expression)}] {i.Details?.Text ?? i.Diagnostics}"));
}