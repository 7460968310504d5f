using Hl7.Fhir.FhirPath;
using Hl7.Fhir.Model;
using Hl7.FhirPath;
using Hl7.FhirPath.Expressions;

namespace FhirKetamine.Core.Tests.Profiles;

/// <summary>
/// Which profile applies to a resource by its content is data in the package: the extension
/// applies-when (a FHIRPath expression) on each StructureDefinition. These tests evaluate those
/// rules with Firely's FHIRPath engine, as the server does, and check that every example selects
/// exactly the profiles it declares in meta.profile.
/// </summary>
[Collection(ProfileValidatorCollection.Name)]
public sealed class ProfileSelectionTests(ProfileValidatorFixture fixture)
{
    public const string AppliesWhenUrl = "http://fhir-ketamine.org/fhir/StructureDefinition/applies-when";
    private const string Canonical = "http://fhir-ketamine.org/fhir/";

    private static readonly FhirPathCompiler Compiler =
        new(new SymbolTable().AddStandardFP().AddFhirExtensions());

    public static TheoryData<string> Examples() => new(IgFiles.ValidExamples());

    [Theory]
    [MemberData(nameof(Examples))]
    public void Content_rules_select_exactly_the_profiles_an_example_declares(string example)
    {
        var resource = IgFiles.Parse(IgFiles.ExamplePath(example));

        Assert.Equal(DeclaredProfiles(resource), Select(resource));
    }

    [Fact]
    public void Content_rules_select_the_profile_of_each_questionnaire_in_the_package()
    {
        Assert.All(fixture.PackageResources.Values.OfType<Questionnaire>(),
            q => Assert.Equal(DeclaredProfiles(q), Select(q)));
    }

    [Fact]
    public void Gateway_heart_rate_without_meta_profile_is_still_selected_by_its_LOINC_code()
    {
        var reading = new Observation
        {
            Status = ObservationStatus.Final,
            Code = new CodeableConcept("http://loinc.org", "8867-4"),
            Subject = new ResourceReference("Patient/p1"),
            Effective = new FhirDateTime("2025-03-07T09:45:00-05:00"),
            Value = new Quantity(88, "/min", "http://unitsofmeasure.org"),
        };

        Assert.Equal([Canonical + "StructureDefinition/ketamine-heartrate"], Select(reading));
    }

    [Fact]
    public void Midazolam_administration_selects_no_ketamine_profile()
    {
        var administration = new MedicationAdministration
        {
            Status = MedicationAdministration.MedicationAdministrationStatusCodes.Completed,
            Medication = new CodeableConcept("http://www.nlm.nih.gov/research/umls/rxnorm", "6960"),
        };

        Assert.Empty(Select(administration));
    }

    [Fact]
    public void Every_concrete_resource_profile_has_an_applies_when_rule_that_compiles()
    {
        var profiles = fixture.PackageResources.Values.OfType<StructureDefinition>()
            .Where(sd => sd.Kind == StructureDefinition.StructureDefinitionKind.Resource
                && sd.Derivation == StructureDefinition.TypeDerivationRule.Constraint && sd.Abstract != true)
            .ToList();

        Assert.NotEmpty(profiles);
        Assert.All(profiles, sd =>
        {
            var rule = sd.GetStringExtension(AppliesWhenUrl);
            Assert.False(string.IsNullOrWhiteSpace(rule), $"{sd.Url} has no applies-when rule");
            Assert.StartsWith(sd.Type + ".", rule);
            _ = Compiler.Compile(rule);
        });
    }

    private List<string> Select(Resource resource) =>
        Rules()
            .Where(r => r.Type == resource.TypeName && r.Expression.Predicate(resource, new FhirEvaluationContext()))
            .Select(r => r.Url)
            .Order(StringComparer.Ordinal)
            .ToList();

    private static List<string> DeclaredProfiles(Resource resource) =>
        (resource.Meta?.Profile ?? [])
            .OfType<string>()
            .Where(p => p.StartsWith(Canonical, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();

    private IEnumerable<(string Url, string Type, CompiledExpression Expression)> Rules() =>
        fixture.PackageResources.Values.OfType<StructureDefinition>()
            .Select(sd => (Url: sd.Url ?? "", Type: sd.Type ?? "", Rule: sd.GetStringExtension(AppliesWhenUrl)))
            .Where(r => r.Rule is not null)
            .Select(r => (r.Url, r.Type, Compiler.Compile(r.Rule!)));
}