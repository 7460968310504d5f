// Firely's model is nullable-annotated throughout; in these tests a missing element is a failed assertion
// (a NullReferenceException names it), not something to guard against.
#nullable disable warnings

using System.Net;
using Hl7.Fhir.Model;
using static FhirKetamine.Server.Tests.Search.SearchBundles;

namespace FhirKetamine.Server.Tests.Search;

/// <summary>Token <c>:of-type</c> on identifiers and reference <c>:identifier</c> on Reference.identifier, through the HTTP pipeline.</summary>
public sealed class SearchIdentifierModifierTests(FhirServerFactory factory) : IClassFixture<FhirServerFactory>
{
    private const string V2 = "http://terminology.hl7.org/CodeSystem/v2-0203";
    private const string Mrn = "http://hospital/mrn";

    private readonly HttpClient client = factory.CreateFhirClient();

    private static Identifier Typed(string typeCode, string system, string value) => new(system, value)
    {
        Type = new CodeableConcept(V2, typeCode),
    };

    private async Task<string> PatientAsync(params Identifier[] identifiers)
    {
        var patient = Fhir.Patient();
        patient.Identifier = [.. identifiers];
        return (await client.CreateAsync(patient)).Id;
    }

    [Fact]
    public async Task Of_type_matches_the_identifier_type_and_value_together()
    {
        var value = Guid.NewGuid().ToString("N")[..10];
        var medicalRecord = await PatientAsync(Typed("MR", Mrn, value));
        var driversLicense = await PatientAsync(Typed("DL", "urn:state:dl", value));
        var untyped = await PatientAsync(new Identifier(Mrn, value));
        var otherValue = await PatientAsync(Typed("MR", Mrn, value + "x"));

        var byMr = await client.GetBundleAsync($"Patient?identifier:of-type={Q($"{V2}|MR|{value}")}");
        var byDl = await client.GetBundleAsync($"Patient?identifier:of-type={Q($"{V2}|DL|{value}")}");
        var either = await client.GetBundleAsync($"Patient?identifier:of-type={Q($"{V2}|MR|{value}")},{Q($"{V2}|DL|{value}")}");
        var wrongSystem = await client.GetBundleAsync($"Patient?identifier:of-type={Q($"http://other/cs|MR|{value}")}");
        var plain = await client.GetBundleAsync($"Patient?identifier={value}");

        Assert.Equal([medicalRecord], byMr.MatchIds());
        Assert.Equal([driversLicense], byDl.MatchIds());
        Assert.Equal(new[] { medicalRecord, driversLicense }.Order(), either.MatchIds().Order());
        Assert.Empty(wrongSystem.MatchIds());
        Assert.Equal(new[] { medicalRecord, driversLicense, untyped }.Order(), plain.MatchIds().Order());
        Assert.DoesNotContain(otherValue, plain.MatchIds());
    }

    [Fact]
    public async Task Of_type_as_an_exists_probe_next_to_a_more_selective_clause()
    {
        var value = Guid.NewGuid().ToString("N")[..10];
        var family = "OfType" + Guid.NewGuid().ToString("N")[..6];
        var patient = Fhir.Patient(family);
        patient.Identifier = [Typed("MR", Mrn, value)];
        var typed = (await client.CreateAsync(patient)).Id;
        await client.CreateAsync(Fhir.Patient(family));

        // An identifier token drives ahead of a string, so :of-type drives the first search and is the EXISTS probe of the second.
        var withFamily = await client.GetBundleAsync($"Patient?family={family}&identifier:of-type={Q($"{V2}|MR|{value}")}");
        var notMatching = await client.GetBundleAsync($"Patient?identifier={value}&identifier:of-type={Q($"{V2}|DL|{value}")}");

        Assert.Equal([typed], withFamily.MatchIds());
        Assert.Empty(notMatching.MatchIds());
    }

    [Theory]
    [InlineData("Patient?identifier:of-type=MR|12345", "identifier:of-type")]
    [InlineData("Patient?identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203||12345", "identifier:of-type")]
    [InlineData("Patient?identifier:of-type=12345", "identifier:of-type")]
    [InlineData("Observation?code:of-type=a|b|c", "code:of-type")]
    [InlineData("Observation?subject:identifier=", "subject:identifier")]
    [InlineData("Observation?subject:identifeir=x", "subject:identifeir")]
    public async Task Malformed_or_misplaced_values_are_400_naming_the_parameter(string url, string parameter)
    {
        var response = await client.GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(parameter, (await response.ReadAsync<OperationOutcome>()).Issue[0].Diagnostics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reference_identifier_matches_the_logical_identifier_of_the_reference()
    {
        var value = Guid.NewGuid().ToString("N")[..10];
        var patient = await PatientAsync(new Identifier(Mrn, value));
        var byIdentifier = await ObservationAsync(new ResourceReference { Identifier = new Identifier(Mrn, value) });
        var typedPatient = await ObservationAsync(new ResourceReference { Type = "Patient", Identifier = new Identifier(Mrn, value) });
        var group = await ObservationAsync(new ResourceReference { Type = "Group", Identifier = new Identifier(Mrn, value) });
        var otherSystem = await ObservationAsync(new ResourceReference { Identifier = new Identifier("http://elsewhere/mrn", value) });
        // A literal reference to the patient who has the identifier: :identifier looks at the reference, not the target.
        var literal = await ObservationAsync(new ResourceReference($"Patient/{patient}"));

        var subject = await client.GetBundleAsync($"Observation?subject:identifier={Q($"{Mrn}|{value}")}");
        var patientParameter = await client.GetBundleAsync($"Observation?patient:identifier={Q($"{Mrn}|{value}")}");
        var anySystem = await client.GetBundleAsync($"Observation?subject:identifier={value}");
        var noSystem = await client.GetBundleAsync($"Observation?subject:identifier={Q($"|{value}")}");

        Assert.Equal(new[] { byIdentifier, typedPatient, group }.Order(), subject.MatchIds().Order());
        // patient is subject.where(resolve() is Patient): a Group reference is out; an untyped one is taken to be a Patient.
        Assert.Equal(new[] { byIdentifier, typedPatient }.Order(), patientParameter.MatchIds().Order());
        Assert.Equal(new[] { byIdentifier, typedPatient, group, otherSystem }.Order(), anySystem.MatchIds().Order());
        Assert.Empty(noSystem.MatchIds());
        Assert.DoesNotContain(literal, anySystem.MatchIds());
    }

    [Fact]
    public async Task Reference_identifier_as_a_probe_and_the_index_follows_updates()
    {
        var value = Guid.NewGuid().ToString("N")[..10];
        var obsIdentifier = Guid.NewGuid().ToString("N");
        var observation = Observation(new ResourceReference { Identifier = new Identifier(Mrn, value) });
        observation.Identifier = [new Identifier("urn:test:obs", obsIdentifier)];
        var created = await client.CreateAsync(observation);

        // identifier (a token on Observation.identifier) drives; subject:identifier is the EXISTS probe.
        var url = $"Observation?identifier={Q($"urn:test:obs|{obsIdentifier}")}&subject:identifier={Q($"{Mrn}|{value}")}";
        Assert.Equal([created.Id], (await client.GetBundleAsync(url)).MatchIds());

        created.Subject = new ResourceReference { Identifier = new Identifier(Mrn, value + "-changed") };
        var put = await client.PutAsync($"Observation/{created.Id}", Fhir.Json(created));
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());

        Assert.Empty((await client.GetBundleAsync(url)).MatchIds());
        Assert.Equal([created.Id], (await client.GetBundleAsync($"Observation?subject:identifier={Q($"{Mrn}|{value}-changed")}")).MatchIds());
    }

    [Fact]
    public async Task The_CapabilityStatement_lists_of_type_and_identifier_where_they_apply()
    {
        var statement = await (await client.GetAsync("metadata")).ReadAsync<CapabilityStatement>();
        string Documentation(string type, string name) =>
            statement.Rest[0].Resource.Single(r => r.Type == type).SearchParam.Single(p => p.Name == name).Documentation;

        Assert.Contains(":of-type", Documentation("Patient", "identifier"));
        Assert.Contains(":of-type", Documentation("Observation", "identifier"));
        Assert.DoesNotContain(":of-type", Documentation("Observation", "code"));
        Assert.DoesNotContain(":of-type", Documentation("Patient", "_tag"));
        Assert.Contains(":identifier", Documentation("Observation", "subject"));
        Assert.Contains(":identifier", Documentation("Observation", "patient"));
        Assert.Contains(":identifier", Documentation("Patient", "general-practitioner"));
        // QuestionnaireResponse.questionnaire is a canonical: no Reference.identifier to match.
        Assert.DoesNotContain(":identifier", Documentation("QuestionnaireResponse", "questionnaire"));
    }

    private static Observation Observation(ResourceReference subject) => new()
    {
        Status = ObservationStatus.Final,
        // Body height: no IG profile applies, so the subject may be a logical reference or a Group.
        Code = new CodeableConcept("http://loinc.org", "8302-2", "Body height"),
        Subject = subject,
        Effective = new FhirDateTime("2026-03-01T10:00:00Z"),
        Value = new Quantity { Value = 170, Unit = "cm", System = "http://unitsofmeasure.org", Code = "cm" },
    };

    private async Task<string> ObservationAsync(ResourceReference subject) => (await client.CreateAsync(Observation(subject))).Id;
}
