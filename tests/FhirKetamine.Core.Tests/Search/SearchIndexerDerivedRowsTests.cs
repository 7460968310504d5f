using FhirKetamine.Core.Search;
using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Tests.Search;

/// <summary>
/// The token rows the indexer derives for <c>:of-type</c> (an identifier's type coding with its value) and reference
/// <c>:identifier</c> (Reference.identifier), and which parameters the registry marks as taking them.
/// </summary>
public sealed class SearchIndexerDerivedRowsTests
{
    private const string V2 = "http://terminology.hl7.org/CodeSystem/v2-0203";

    private static readonly SearchParameterRegistry Registry = new();
    private readonly SearchIndexer _indexer = new(Registry, new UcumCanonicalizer());

    [Theory]
    [InlineData("Patient", "identifier", true)]
    [InlineData("Observation", "identifier", true)]
    [InlineData("DocumentReference", "identifier", true)] // masterIdentifier | identifier
    [InlineData("Observation", "code", false)]
    [InlineData("Patient", "_tag", false)]
    [InlineData("Patient", "gender", false)]
    public void Identifier_token_parameters_take_of_type(string type, string name, bool expected)
    {
        Assert.True(Registry.TryGet(type, name, out var parameter));
        Assert.Equal(expected, parameter.OfIdentifiers);
    }

    [Theory]
    [InlineData("Observation", "subject", true)]
    [InlineData("Observation", "patient", true)]
    [InlineData("Patient", "general-practitioner", true)]
    [InlineData("QuestionnaireResponse", "questionnaire", false)] // a canonical
    [InlineData("PlanDefinition", "definition", false)] // canonicals only
    public void Reference_parameters_over_Reference_elements_take_identifier(string type, string name, bool expected)
    {
        Assert.True(Registry.TryGet(type, name, out var parameter));
        Assert.True(expected == parameter.OfReferences, $"{parameter.Expression}: OfReferences is {parameter.OfReferences}");
    }

    [Fact]
    public void An_identifier_with_a_type_gets_one_of_type_row_per_type_coding()
    {
        var patient = new Patient
        {
            Identifier =
            [
                new Identifier("http://hospital/mrn", "12345")
                {
                    Type = new CodeableConcept { Coding = [new Coding(V2, "MR"), new Coding("http://local/types", "chart")] },
                },
                new Identifier("http://other", "999"),
            ],
        };

        var rows = _indexer.Extract(patient).Tokens.Where(t => t.ParamName == "identifier:of-type").Select(t => (t.System, t.Code)).ToList();

        Assert.Equal([(V2, "MR|12345"), ("http://local/types", "chart|12345")], rows);
        Assert.Equal(2, _indexer.Extract(patient).Tokens.Count(t => t.ParamName == "identifier"));
    }

    [Fact]
    public void A_logical_reference_gets_an_identifier_row_and_no_reference_row()
    {
        var observation = new Observation
        {
            Status = ObservationStatus.Final,
            Code = new CodeableConcept("http://loinc.org", "8302-2"),
            Subject = new ResourceReference { Identifier = new Identifier("http://hospital/mrn", "12345") },
            Performer = [new ResourceReference("Practitioner/p1") { Identifier = new Identifier("http://npi", "777") }],
        };

        var entries = _indexer.Extract(observation);
        var identifiers = entries.Tokens.Where(t => t.ParamName.EndsWith(":identifier", StringComparison.Ordinal))
            .Select(t => (t.ParamName, t.System, t.Code)).Order().ToList();

        Assert.Equal(
            [("patient:identifier", "http://hospital/mrn", "12345"), ("performer:identifier", "http://npi", "777"), ("subject:identifier", "http://hospital/mrn", "12345")],
            identifiers);
        Assert.DoesNotContain(entries.References, r => r.ParamName is "subject" or "patient");
        Assert.Contains(entries.References, r => r.ParamName == "performer" && r.TargetId == "p1");
    }

    [Fact]
    public void A_typed_logical_reference_is_indexed_only_for_parameters_of_its_type()
    {
        var observation = new Observation
        {
            Status = ObservationStatus.Final,
            Code = new CodeableConcept("http://loinc.org", "8302-2"),
            Subject = new ResourceReference { Type = "Group", Identifier = new Identifier("http://registry", "g1") },
        };

        var names = _indexer.Extract(observation).Tokens.Where(t => t.ParamName.EndsWith(":identifier", StringComparison.Ordinal)).Select(t => t.ParamName).ToList();

        Assert.Equal(["subject:identifier"], names);
    }

    [Fact]
    public void Equal_values_in_two_elements_give_one_row()
    {
        var observation = new Observation
        {
            Code = new CodeableConcept { Coding = [new Coding("http://loinc.org", "8867-4"), new Coding("http://loinc.org", "8867-4")] },
            Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs")],
            Subject = new ResourceReference("Patient/p1"),
            Performer = [new ResourceReference("Patient/p1"), new ResourceReference("Patient/p1")],
        };

        var entries = _indexer.Extract(observation);

        Assert.Single(entries.Tokens, t => t.ParamName == "code" && t.Code == "8867-4");
        Assert.Single(entries.References, r => r.ParamName == "performer" && r.TargetId == "p1");
        Assert.Single(entries.References, r => r.ParamName == "subject" && r.TargetId == "p1"); // other parameters keep theirs
    }
}
