using System.Net;

using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Tests.Terminology;

/// <summary>$expand, $validate-code and $lookup over core R4, the IG package and what clients post, through HTTP.</summary>
public sealed class TerminologyOperationTests(FhirServerFactory factory) : IClassFixture<FhirServerFactory>
{
    private const string Gender = "http://hl7.org/fhir/ValueSet/administrative-gender";
    private const string GenderSystem = "http://hl7.org/fhir/administrative-gender";
    private const string ResourceTypes = "http://hl7.org/fhir/ValueSet/resource-types";

    private readonly HttpClient _client = factory.CreateFhirClient();

    [Fact]
    public async Task Expand_a_core_R4_ValueSet_by_url()
    {
        var response = await _client.GetAsync($"ValueSet/$expand?url={Gender}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var expansion = (await response.ReadAsync<ValueSet>()).Expansion!;
        Assert.Equal(["female", "male", "other", "unknown"], expansion.Contains.Select(c => c.Code).Order(StringComparer.Ordinal));
        Assert.All(expansion.Contains, c => Assert.Equal(GenderSystem, c.System));
        Assert.Equal("Male", expansion.Contains.Single(c => c.Code == "male").Display);
        Assert.Equal(4, expansion.Total);
    }

    [Fact]
    public async Task Expand_IG_ValueSets_from_the_package_its_own_code_system_and_enumerated_SNOMED_codes()
    {
        var phases = await (await _client.GetAsync("ValueSet/$expand?url=http://fhir-ketamine.org/fhir/ValueSet/infusion-phase")).ReadAsync<ValueSet>();
        var indications = await (await _client.GetAsync("ValueSet/$expand?url=http://fhir-ketamine.org/fhir/ValueSet/ketamine-indication")).ReadAsync<ValueSet>();

        Assert.Equal(["baseline", "discharge", "infusion", "recovery"], phases.Expansion!.Contains.Select(c => c.Code).Order(StringComparer.Ordinal));
        Assert.Contains(indications.Expansion!.Contains, c => c.System == "http://snomed.info/sct" && c.Code == "370143000" && c.Display == "Major depressive disorder");
    }

    [Fact]
    public async Task A_CodeSystem_and_ValueSet_posted_through_the_API_are_used_at_once()
    {
        var (codeSystem, valueSet) = await PostChairSystemAsync();

        var byUrl = await (await _client.GetAsync($"ValueSet/$expand?url={valueSet.Url}")).ReadAsync<ValueSet>();
        var byInstance = await (await _client.GetAsync($"ValueSet/{valueSet.Id}/$expand")).ReadAsync<ValueSet>();
        var valid = await (await _client.GetAsync($"ValueSet/$validate-code?url={valueSet.Url}&system={codeSystem.Url}&code=recliner")).ReadAsync<Parameters>();
        var validAtInstance = await (await _client.GetAsync($"ValueSet/{valueSet.Id}/$validate-code?system={codeSystem.Url}&code=zero-gravity")).ReadAsync<Parameters>();

        Assert.Equal(["recliner", "upright"], byUrl.Expansion!.Contains.Select(c => c.Code).Order(StringComparer.Ordinal));
        Assert.Equal(["zero-gravity"], byUrl.Expansion!.Contains.Single(c => c.Code == "recliner").Contains.Select(c => c.Code));
        Assert.Equal(Codes(byUrl.Expansion!.Contains), Codes(byInstance.Expansion!.Contains));
        Assert.Equal(true, valid.GetSingleValue<FhirBoolean>("result")?.Value);
        Assert.Equal("Recliner chair", valid.GetSingleValue<FhirString>("display")?.Value);
        Assert.Equal(true, validAtInstance.GetSingleValue<FhirBoolean>("result")?.Value);
    }

    [Fact]
    public async Task A_CodeSystem_or_ValueSet_changed_through_the_API_expands_to_its_new_content()
    {
        var (codeSystem, valueSet) = await PostChairSystemAsync();
        Assert.Equal(3, Codes((await (await _client.GetAsync($"ValueSet/$expand?url={valueSet.Url}")).ReadAsync<ValueSet>()).Expansion!.Contains).Count);

        // The ValueSet is unchanged, its code system gains a code: the earlier expansion must not be reused.
        codeSystem.Concept.Add(new CodeSystem.ConceptDefinitionComponent { Code = "bariatric", Display = "Bariatric chair" });
        var codeSystemUpdate = await _client.PutAsync($"CodeSystem/{codeSystem.Id}", Fhir.Json(codeSystem));
        var grown = await (await _client.GetAsync($"ValueSet/$expand?url={valueSet.Url}")).ReadAsync<ValueSet>();

        valueSet.Compose!.Include[0].Concept = [new ValueSet.ConceptReferenceComponent { Code = "upright" }];
        var valueSetUpdate = await _client.PutAsync($"ValueSet/{valueSet.Id}", Fhir.Json(valueSet));
        var narrowed = await (await _client.GetAsync($"ValueSet/$expand?url={valueSet.Url}")).ReadAsync<ValueSet>();
        var recliner = await (await _client.GetAsync($"ValueSet/$validate-code?url={valueSet.Url}&system={codeSystem.Url}&code=recliner")).ReadAsync<Parameters>();

        Assert.Equal(HttpStatusCode.OK, codeSystemUpdate.StatusCode);
        Assert.Equal(["bariatric", "recliner", "upright", "zero-gravity"], Codes(grown.Expansion!.Contains).Order(StringComparer.Ordinal));
        Assert.Equal(HttpStatusCode.OK, valueSetUpdate.StatusCode);
        Assert.Equal(["upright"], narrowed.Expansion!.Contains.Select(c => c.Code));
        Assert.Equal(false, recliner.GetSingleValue<FhirBoolean>("result")?.Value);
    }

    [Fact]
    public async Task Expand_filters_and_pages_the_expansion()
    {
        var full = (await (await _client.GetAsync($"ValueSet/$expand?url={ResourceTypes}")).ReadAsync<ValueSet>()).Expansion!;
        var filtered = (await (await _client.GetAsync($"ValueSet/$expand?url={ResourceTypes}&filter=medication")).ReadAsync<ValueSet>()).Expansion!;
        var page = (await (await _client.GetAsync($"ValueSet/$expand?url={ResourceTypes}&offset=10&count=5")).ReadAsync<ValueSet>()).Expansion!;
        var filteredPage = (await (await _client.GetAsync($"ValueSet/$expand?url={ResourceTypes}&filter=medication&count=2&offset=1")).ReadAsync<ValueSet>()).Expansion!;

        Assert.True(full.Contains.Count > 100, $"{full.Contains.Count} resource types");
        Assert.Equal(
            full.Contains.Where(c => (c.Code ?? "").Contains("Medication", StringComparison.Ordinal) || (c.Display ?? "").Contains("Medication", StringComparison.OrdinalIgnoreCase)).Select(c => c.Code),
            filtered.Contains.Select(c => c.Code));
        Assert.Contains(filtered.Contains, c => c.Code == "MedicationAdministration");
        Assert.Equal(filtered.Contains.Count, filtered.Total);
        Assert.Equal(full.Contains.Skip(10).Take(5).Select(c => c.Code), page.Contains.Select(c => c.Code));
        Assert.Equal(full.Contains.Count, page.Total);
        Assert.Equal(10, page.Offset);
        Assert.Equal(filtered.Contains.Skip(1).Take(2).Select(c => c.Code), filteredPage.Contains.Select(c => c.Code));
        Assert.Equal(filtered.Total, filteredPage.Total);
    }

    [Fact]
    public async Task Expand_by_POST_with_a_url_or_an_inline_valueSet()
    {
        var byUrl = new Parameters();
        byUrl.Add("url", new FhirUri(Gender));
        byUrl.Add("count", new Integer(2));
        var inline = new Parameters();
        inline.Add("valueSet", new ValueSet
        {
            Status = PublicationStatus.Draft,
            Compose = new ValueSet.ComposeComponent
            {
                Include = [new ValueSet.ConceptSetComponent { System = GenderSystem, Concept = [new ValueSet.ConceptReferenceComponent { Code = "other" }] }],
            },
        });

        var first = await _client.PostAsync("ValueSet/$expand", Fhir.Json(byUrl));
        var second = await _client.PostAsync("ValueSet/$expand", Fhir.Json(inline));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var paged = (await first.ReadAsync<ValueSet>()).Expansion!;
        Assert.Equal(2, paged.Contains.Count);
        Assert.Equal(4, paged.Total);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(["other"], (await second.ReadAsync<ValueSet>()).Expansion!.Contains.Select(c => c.Code));
    }

    [Fact]
    public async Task Expand_of_an_unknown_ValueSet_is_404_and_of_one_that_needs_all_of_LOINC_or_is_too_big_is_422()
    {
        var unknown = await _client.GetAsync("ValueSet/$expand?url=http://example.org/fhir/ValueSet/nothing-here");
        var loinc = await _client.GetAsync("ValueSet/$expand?url=http://hl7.org/fhir/ValueSet/observation-codes");
        var tooBig = await _client.GetAsync("ValueSet/$expand?url=http://hl7.org/fhir/ValueSet/ucum-common&count=10");
        var unknownInstance = await _client.GetAsync("ValueSet/no-such-id/$expand");

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        var notFound = await unknown.ReadAsync<OperationOutcome>();
        Assert.Equal(OperationOutcome.IssueType.NotFound, notFound.Issue[0].Code);
        Assert.Contains("http://example.org/fhir/ValueSet/nothing-here", notFound.Issue[0].Diagnostics, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, loinc.StatusCode);
        var cannot = (await loinc.ReadAsync<OperationOutcome>()).Issue[0];
        Assert.Equal(OperationOutcome.IssueSeverity.Error, cannot.Severity);
        Assert.Contains("http://loinc.org", cannot.Diagnostics, StringComparison.Ordinal);
        Assert.Contains("cannot be expanded", cannot.Diagnostics, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, tooBig.StatusCode);
        var costly = (await tooBig.ReadAsync<OperationOutcome>()).Issue[0];
        Assert.Equal(OperationOutcome.IssueType.TooCostly, costly.Code);
        Assert.Contains("at most 500 codes", costly.Diagnostics, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, unknownInstance.StatusCode);
    }

    [Fact]
    public async Task Validate_code_answers_result_message_and_display()
    {
        var valid = await (await _client.GetAsync($"ValueSet/$validate-code?url={Gender}&system={GenderSystem}&code=male")).ReadAsync<Parameters>();
        var invalid = await (await _client.GetAsync($"ValueSet/$validate-code?url={Gender}&system={GenderSystem}&code=xx")).ReadAsync<Parameters>();
        var wrongDisplay = await (await _client.GetAsync($"ValueSet/$validate-code?url={Gender}&system={GenderSystem}&code=male&display=Mael")).ReadAsync<Parameters>();
        var notEnumerated = await (await _client.GetAsync(
            "ValueSet/$validate-code?url=http://fhir-ketamine.org/fhir/ValueSet/ketamine-indication&system=http://snomed.info/sct&code=22298006")).ReadAsync<Parameters>();

        Assert.Equal(true, valid.GetSingleValue<FhirBoolean>("result")?.Value);
        Assert.Equal("Male", valid.GetSingleValue<FhirString>("display")?.Value);
        Assert.Equal(false, invalid.GetSingleValue<FhirBoolean>("result")?.Value);
        Assert.Contains("'xx'", invalid.GetSingleValue<FhirString>("message")?.Value, StringComparison.Ordinal);
        Assert.Equal(true, wrongDisplay.GetSingleValue<FhirBoolean>("result")?.Value);
        Assert.Contains("Mael", wrongDisplay.GetSingleValue<FhirString>("message")?.Value, StringComparison.Ordinal);
        Assert.Equal(false, notEnumerated.GetSingleValue<FhirBoolean>("result")?.Value);
        Assert.Equal(["result", "message"], notEnumerated.Parameter.Select(p => p.Name));
    }

    [Fact]
    public async Task Validate_code_by_POST_with_a_coding_or_a_codeableConcept()
    {
        var coding = new Parameters();
        coding.Add("url", new FhirUri("http://fhir-ketamine.org/fhir/ValueSet/ketamine-indication"));
        coding.Add("coding", new Coding("http://snomed.info/sct", "47505003"));
        var concept = new Parameters();
        concept.Add("url", new FhirUri(Gender));
        concept.Add("codeableConcept", new CodeableConcept { Coding = [new Coding("http://example.org/local", "F"), new Coding(GenderSystem, "female")] });

        var byCoding = await (await _client.PostAsync("ValueSet/$validate-code", Fhir.Json(coding))).ReadAsync<Parameters>();
        var byConcept = await (await _client.PostAsync("ValueSet/$validate-code", Fhir.Json(concept))).ReadAsync<Parameters>();

        Assert.Equal(true, byCoding.GetSingleValue<FhirBoolean>("result")?.Value);
        Assert.Equal("Posttraumatic stress disorder", byCoding.GetSingleValue<FhirString>("display")?.Value);
        Assert.Equal(true, byConcept.GetSingleValue<FhirBoolean>("result")?.Value);
    }

    [Fact]
    public async Task Lookup_finds_a_core_code_and_refuses_an_unknown_code_or_system_with_404()
    {
        var found = await _client.GetAsync($"CodeSystem/$lookup?system={GenderSystem}&code=female");
        var unknownCode = await _client.GetAsync($"CodeSystem/$lookup?system={GenderSystem}&code=zz");
        var loinc = await _client.GetAsync("CodeSystem/$lookup?system=http://loinc.org&code=8867-4");

        Assert.Equal(HttpStatusCode.OK, found.StatusCode);
        var answer = await found.ReadAsync<Parameters>();
        Assert.Equal("AdministrativeGender", answer.GetSingleValue<FhirString>("name")?.Value);
        Assert.Equal("4.0.1", answer.GetSingleValue<FhirString>("version")?.Value);
        Assert.Equal("Female", answer.GetSingleValue<FhirString>("display")?.Value);
        Assert.Contains(answer.Parameter, p => p.Name == "property" && p.Part.Any(x => x.Name == "code" && x.Value is Code { Value: "definition" }));
        Assert.Equal(HttpStatusCode.NotFound, unknownCode.StatusCode);
        var missing = (await unknownCode.ReadAsync<OperationOutcome>()).Issue[0];
        Assert.Equal(OperationOutcome.IssueType.NotFound, missing.Code);
        Assert.Contains("'zz'", missing.Diagnostics, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, loinc.StatusCode);
        Assert.Contains("LOINC", (await loinc.ReadAsync<OperationOutcome>()).Issue[0].Diagnostics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lookup_of_a_posted_code_system_gives_designations_properties_parent_and_children()
    {
        var (codeSystem, _) = await PostChairSystemAsync();
        var byCoding = new Parameters();
        byCoding.Add("coding", new Coding(codeSystem.Url, "recliner"));

        var recliner = await (await _client.PostAsync("CodeSystem/$lookup", Fhir.Json(byCoding))).ReadAsync<Parameters>();
        var zeroGravity = await (await _client.GetAsync($"CodeSystem/$lookup?system={codeSystem.Url}&code=zero-gravity&property=parent")).ReadAsync<Parameters>();

        Assert.Equal("Recliner chair", recliner.GetSingleValue<FhirString>("display")?.Value);
        Assert.Equal("1.0.0", recliner.GetSingleValue<FhirString>("version")?.Value);
        var designation = Assert.Single(recliner.Parameter, p => p.Name == "designation");
        Assert.Contains(designation.Part, p => p.Name == "language" && p.Value is Code { Value: "es" });
        Assert.Contains(designation.Part, p => p.Name == "value" && p.Value is FhirString { Value: "Sillón reclinable" });
        Assert.Equal(["child", "washable"], Properties(recliner).Select(p => p.Code).Order(StringComparer.Ordinal));
        Assert.Equal(["parent"], Properties(zeroGravity).Select(p => p.Code));
        Assert.Equal("recliner", (Properties(zeroGravity)[0].Value as Code)?.Value);
    }

    [Fact]
    public async Task CodeSystem_validate_code_by_url_and_at_instance_level()
    {
        var (codeSystem, _) = await PostChairSystemAsync();

        var valid = await (await _client.GetAsync($"CodeSystem/$validate-code?url={codeSystem.Url}&code=zero-gravity")).ReadAsync<Parameters>();
        var invalid = await (await _client.GetAsync($"CodeSystem/{codeSystem.Id}/$validate-code?code=beanbag")).ReadAsync<Parameters>();
        var core = await (await _client.GetAsync($"CodeSystem/$validate-code?url={GenderSystem}&code=other")).ReadAsync<Parameters>();

        Assert.Equal(true, valid.GetSingleValue<FhirBoolean>("result")?.Value);
        Assert.Equal("Zero-gravity recliner", valid.GetSingleValue<FhirString>("display")?.Value);
        Assert.Equal(false, invalid.GetSingleValue<FhirBoolean>("result")?.Value);
        Assert.Contains("'beanbag'", invalid.GetSingleValue<FhirString>("message")?.Value, StringComparison.Ordinal);
        Assert.Equal(true, core.GetSingleValue<FhirBoolean>("result")?.Value);
    }

    [Theory]
    [InlineData("ValueSet/$expand", "")]
    [InlineData("ValueSet/$expand", "url=http://hl7.org/fhir/ValueSet/administrative-gender&count=ten")]
    [InlineData("ValueSet/$expand", "url=http://hl7.org/fhir/ValueSet/administrative-gender&count=-1")]
    [InlineData("ValueSet/$expand", "url=http://hl7.org/fhir/ValueSet/administrative-gender&displayLanguage=fr")]
    [InlineData("ValueSet/$expand", "url=http://hl7.org/fhir/ValueSet/administrative-gender&url=http://hl7.org/fhir/ValueSet/languages")]
    [InlineData("ValueSet/$validate-code", "url=http://hl7.org/fhir/ValueSet/administrative-gender&code=male")]
    [InlineData("ValueSet/$validate-code", "url=http://hl7.org/fhir/ValueSet/administrative-gender")]
    [InlineData("ValueSet/$validate-code", "system=http://hl7.org/fhir/administrative-gender&code=male")]
    [InlineData("ValueSet/$validate-code", "url=http://hl7.org/fhir/ValueSet/administrative-gender&coding=male")]
    [InlineData("CodeSystem/$lookup", "system=http://hl7.org/fhir/administrative-gender")]
    [InlineData("CodeSystem/$lookup", "code=male")]
    [InlineData("CodeSystem/$validate-code", "code=male")]
    public async Task Bad_parameters_are_400_with_an_OperationOutcome(string operation, string query)
    {
        var response = await _client.GetAsync($"{operation}?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var issue = (await response.ReadAsync<OperationOutcome>()).Issue[0];
        Assert.Equal(OperationOutcome.IssueSeverity.Error, issue.Severity);
        Assert.Contains(operation.Split('/')[1], issue.Diagnostics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task POST_of_something_other_than_Parameters_is_400()
    {
        var response = await _client.PostAsync("ValueSet/$expand", Fhir.Json(new ValueSet { Url = Gender, Status = PublicationStatus.Active }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Parameters", (await response.ReadAsync<OperationOutcome>()).Issue[0].Diagnostics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_CapabilityStatement_advertises_the_terminology_operations()
    {
        var statement = await (await _client.GetAsync("metadata")).ReadAsync<CapabilityStatement>();

        var valueSet = statement.Rest[0].Resource.Single(r => r.Type == "ValueSet");
        var codeSystem = statement.Rest[0].Resource.Single(r => r.Type == "CodeSystem");
        Assert.Equal(["expand", "validate-code"], valueSet.Operation.Select(o => o.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["lookup", "validate-code"], codeSystem.Operation.Select(o => o.Name).Order(StringComparer.Ordinal));
        Assert.Contains(valueSet.Operation, o => o.Definition == "http://hl7.org/fhir/OperationDefinition/ValueSet-expand");
        Assert.Contains(codeSystem.Operation, o => o.Definition == "http://hl7.org/fhir/OperationDefinition/CodeSystem-lookup");
    }

    private static List<string?> Codes(IEnumerable<ValueSet.ContainsComponent> contains) =>
        contains.SelectMany(c => Codes(c.Contains).Prepend(c.Code)).ToList();

    private static List<(string Code, DataType? Value)> Properties(Parameters answer) =>
        answer.Parameter.Where(p => p.Name == "property")
            .Select(p => ((p.Part.Single(x => x.Name == "code").Value as Code)?.Value ?? "", p.Part.SingleOrDefault(x => x.Name == "value")?.Value))
            .ToList();

    /// <summary>A clinic-local code system of infusion chairs (one nested concept) and a ValueSet of all of it, each at a fresh URL.</summary>
    private async Task<(CodeSystem CodeSystem, ValueSet ValueSet)> PostChairSystemAsync()
    {
        var suffix = Guid.NewGuid().ToString("N")[..12];
        var washable = new CodeSystem.ConceptPropertyComponent { Code = "washable", Value = new FhirBoolean(true) };
        var codeSystem = await _client.CreateAsync(new CodeSystem
        {
            Url = $"http://clinic.example.org/fhir/CodeSystem/chair-{suffix}",
            Version = "1.0.0",
            Name = "InfusionChair",
            Status = PublicationStatus.Active,
            Content = CodeSystemContentMode.Complete,
            CaseSensitive = true,
            Property = [new CodeSystem.PropertyComponent { Code = "washable", Type = CodeSystem.PropertyType.Boolean }],
            Concept =
            [
                new CodeSystem.ConceptDefinitionComponent { Code = "upright", Display = "Upright chair" },
                new CodeSystem.ConceptDefinitionComponent
                {
                    Code = "recliner",
                    Display = "Recliner chair",
                    Designation = [new CodeSystem.DesignationComponent { Language = "es", Value = "Sillón reclinable" }],
                    Property = [washable],
                    Concept = [new CodeSystem.ConceptDefinitionComponent { Code = "zero-gravity", Display = "Zero-gravity recliner" }],
                },
            ],
        });
        var valueSet = await _client.CreateAsync(new ValueSet
        {
            Url = $"http://clinic.example.org/fhir/ValueSet/chair-{suffix}",
            Name = "InfusionChairs",
            Status = PublicationStatus.Active,
            Compose = new ValueSet.ComposeComponent { Include = [new ValueSet.ConceptSetComponent { System = codeSystem.Url }] },
        });
        return (codeSystem, valueSet);
    }
}
