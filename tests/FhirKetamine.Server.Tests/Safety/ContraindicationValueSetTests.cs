// Firely's model is nullable-annotated throughout; in these tests a missing element is a failed assertion.
#nullable disable warnings

using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Tests.Safety;

/// <summary>
/// The contraindications are the clinic's data: contra-history asks the terminology service about the stored
/// ketamine-contraindication ValueSet, so a PUT of it changes the rule for the next write. Its own database,
/// since it changes the shared ValueSet.
/// </summary>
public sealed class ContraindicationValueSetTests(FhirServerFactory factory) : IClassFixture<FhirServerFactory>
{
    private const string Snomed = "http://snomed.info/sct";
    private const string Icd10 = "http://hl7.org/fhir/sid/icd-10-cm";

    [Fact]
    public async Task Changing_the_value_set_through_the_api_changes_what_contraindicates()
    {
        // Its own host, with the catch-up poll for other instances' conformance writes on (the default): the poll can
        // hand the validator a ValueSet version listed before the PUT below, which must not swap the old list back.
        await using var server = factory.WithWebHostBuilder(_ => { });
        using var client = server.CreateClient(new() { BaseAddress = new Uri("http://localhost/fhir/") });
        var clinic = await new SafetyClinic(client).StartAsync();
        var valueSet = await (await client.GetAsync("ValueSet/ketamine-contraindication")).ReadAsync<ValueSet>();
        var original = (ValueSet)valueSet.DeepCopy();

        // The IG's list: pregnancy (ICD-10-CM Z33.1) contraindicates.
        var (_, pregnant, pregnancy) = await clinic.PostAsync(clinic.Condition(Icd10, "Z33.1"));
        Assert.Contains(pregnant.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Warning && i.Details.Coding.Single().Code == "contra-history");
        await clinic.PutAsync("Condition", pregnancy, clinic.Condition(Icd10, "Z33.1", clinicalStatus: "resolved", id: pregnancy));
        Assert.Equal(Flag.FlagStatus.Inactive, Assert.Single(await clinic.FlagsAsync()).Status);

        // The clinic drops ICD-10-CM and adds a SNOMED CT code of its own choosing (here: 44054006, diabetes mellitus type 2).
        valueSet.Compose.Include.RemoveAll(i => i.System == Icd10);
        valueSet.Compose.Include.Single(i => i.System == Snomed).Concept.Add(new ValueSet.ConceptReferenceComponent { Code = "44054006" });
        await clinic.PutAsync("ValueSet", valueSet.Id, Fhir.ToJson(valueSet));
        try
        {
            var (_, dropped, _) = await clinic.PostAsync(clinic.Condition(Icd10, "Z33.1"));
            Assert.DoesNotContain(dropped.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Warning);

            var (_, added, _) = await clinic.PostAsync(clinic.Condition(Snomed, "44054006"));
            Assert.Contains(added.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Warning && i.Details.Coding.Single().Code == "contra-history");
            Assert.Equal(2, (await clinic.FlagsAsync()).Count);
        }
        finally
        {
            await clinic.PutAsync("ValueSet", original.Id, Fhir.ToJson(original));
        }
    }
}
