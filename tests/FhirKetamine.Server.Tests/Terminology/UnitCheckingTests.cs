using System.Net;

using FhirKetamine.Server.Tests.Validation;

using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace FhirKetamine.Server.Tests.Terminology;

/// <summary>
/// What the README says about UCUM: no UCUM grammar is loaded, so a unit code is checked only where a profile fixes
/// it or binds it to a ValueSet that lists its codes (the IG's rate units, core R4's vital-sign units).
/// </summary>
public sealed class UnitCheckingTests(FhirServerFactory factory) : IClassFixture<FhirServerFactory>
{
    private static readonly FhirJsonDeserializer Parser = new(new DeserializerSettings().UsingMode(DeserializationMode.Recoverable));

    private readonly HttpClient _client = factory.CreateFhirClient();

    [Fact]
    public async Task A_made_up_UCUM_code_passes_where_no_profile_lists_the_units()
    {
        var lab = new Observation
        {
            Status = ObservationStatus.Final,
            Code = new CodeableConcept("http://loinc.org", "2160-0", "Creatinine [Mass/volume] in Serum or Plasma"),
            Subject = new ResourceReference("Patient/p1"),
            Value = new Quantity { Value = 1.1m, Unit = "furlongs", System = "http://unitsofmeasure.org", Code = "not-a-ucum-unit" },
        };

        var outcome = await (await _client.PostAsync("Observation/$validate", Fhir.Json(lab))).ReadAsync<OperationOutcome>();
        var ucum = await _client.GetAsync("ValueSet/$validate-code?url=http://hl7.org/fhir/ValueSet/ucum-units&system=http://unitsofmeasure.org&code=mg");

        Assert.DoesNotContain(outcome.Issue, i => i.Severity is OperationOutcome.IssueSeverity.Error or OperationOutcome.IssueSeverity.Fatal);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, ucum.StatusCode);
        Assert.Contains("http://unitsofmeasure.org", (await ucum.ReadAsync<OperationOutcome>()).Issue[0].Diagnostics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_unit_outside_the_IG_rate_units_is_refused_and_the_operations_agree()
    {
        var administration = (MedicationAdministration)Parser.DeserializeResource(
            IgExamples.Read("valid", "MedicationAdministration-medadmin-ketamine-35mg-0-5-mg-per-kg.json"));
        var rate = (Quantity)administration.Dosage!.Rate!;
        rate.Code = "mg/kg/d";
        rate.Unit = "mg/kg/d";

        var outcome = await (await _client.PostAsync("MedicationAdministration/$validate", Fhir.Json(administration))).ReadAsync<OperationOutcome>();
        var rejected = await (await _client.GetAsync(
            "ValueSet/$validate-code?url=http://fhir-ketamine.org/fhir/ValueSet/ketamine-rate-units&system=http://unitsofmeasure.org&code=mg/kg/d")).ReadAsync<Parameters>();
        var listed = await (await _client.GetAsync(
            "ValueSet/$validate-code?url=http://fhir-ketamine.org/fhir/ValueSet/ketamine-rate-units&system=http://unitsofmeasure.org&code=mg/kg/h")).ReadAsync<Parameters>();

        Assert.Contains(outcome.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Error
            && (i.Details?.Text ?? i.Diagnostics ?? "").Contains("ketamine-rate-units", StringComparison.Ordinal));
        Assert.Equal(false, rejected.GetSingleValue<FhirBoolean>("result")?.Value);
        Assert.Equal(true, listed.GetSingleValue<FhirBoolean>("result")?.Value);
    }
}
