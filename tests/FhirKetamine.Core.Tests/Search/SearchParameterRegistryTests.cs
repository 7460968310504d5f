using FhirKetamine.Core.Search;
using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Tests.Search;

public sealed class SearchParameterRegistryTests
{
    private readonly SearchParameterRegistry _registry = new();

    [Theory]
    [InlineData("Patient", "name", SearchParamType.String, "Patient.name")]
    [InlineData("Observation", "code", SearchParamType.Token, "Observation.code")]
    [InlineData("Observation", "date", SearchParamType.Date, "Observation.effective")]
    [InlineData("Observation", "value-quantity", SearchParamType.Quantity, "(Observation.value as Quantity)")]
    public void Shared_core_definitions_are_narrowed_to_the_resource_type(string type, string name, SearchParamType kind, string expressionStart)
    {
        Assert.True(_registry.TryGet(type, name, out var parameter));
        Assert.Equal(kind, parameter.Type);
        Assert.StartsWith(expressionStart, parameter.Expression, StringComparison.Ordinal);
        Assert.DoesNotContain("|", parameter.Expression.Replace("(Observation.value as Quantity) | (Observation.value as SampledData)", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void Patient_parameter_keeps_the_resolve_type_as_a_target_filter()
    {
        Assert.True(_registry.TryGet("Observation", "patient", out var patient));
        Assert.Equal("Observation.subject", patient.Expression);
        Assert.Equal("Patient", patient.ResolveIsType);
    }

    [Fact]
    public void Every_registered_expression_compiles_and_evaluates_for_its_type()
    {
        var failures = new List<string>();
        foreach (var type in ModelInfo.SupportedResources)
        {
            var resource = (Resource)Activator.CreateInstance(ModelInfo.GetTypeForFhirType(type)!)!;
            foreach (var parameter in _registry.For(type))
            {
                try
                {
                    _ = Hl7.Fhir.FhirPath.FhirPathExtensions.Select(resource, parameter.Expression).ToList();
                }
                catch (Exception ex)
                {
                    failures.Add($"{type}.{parameter.Name}: {parameter.Expression}: {ex.GetType().Name} {ex.Message}");
                }
            }
        }

        Assert.Empty(failures);
    }

    [Theory]
    [InlineData("Patient", "organization", SearchParamType.Reference)]
    [InlineData("Patient", "general-practitioner", SearchParamType.Reference)]
    [InlineData("Organization", "name", SearchParamType.String)]
    [InlineData("Observation", "value-concept", SearchParamType.Token)]
    public void Every_core_parameter_of_an_indexed_type_is_registered(string type, string name, SearchParamType kind)
    {
        Assert.True(_registry.TryGet(type, name, out var parameter));
        Assert.Equal(kind, parameter.Type);
    }

    [Theory]
    [InlineData("code-value-quantity", "Observation")]
    [InlineData("component-code-value-quantity", "Observation.component")]
    [InlineData("combo-code-value-quantity", "Observation | Observation.component")]
    public void Token_quantity_composites_are_registered_with_their_components(string name, string expression)
    {
        Assert.True(_registry.TryGet("Observation", name, out var parameter));
        Assert.Equal(SearchParamType.Composite, parameter.Type);
        Assert.Equal(expression, parameter.Expression);
        Assert.Equal(2, parameter.Components.Count);
    }

    [Theory]
    [InlineData("Observation", "code-value-concept", SearchParamType.Token)]
    [InlineData("Observation", "component-code-value-concept", SearchParamType.Token)]
    [InlineData("Observation", "combo-code-value-concept", SearchParamType.Token)]
    [InlineData("Observation", "code-value-string", SearchParamType.String)]
    [InlineData("Observation", "code-value-date", SearchParamType.Date)]
    [InlineData("Observation", "code-value-quantity", SearchParamType.Quantity)]
    [InlineData("ValueSet", "context-type-value", SearchParamType.Token)]
    [InlineData("Group", "characteristic-value", SearchParamType.Token)]
    public void Two_part_composites_of_a_token_and_a_token_quantity_string_or_date_are_registered(string type, string name, SearchParamType second)
    {
        Assert.True(_registry.TryGet(type, name, out var parameter));
        Assert.Equal([SearchParamType.Token, second], parameter.ComponentTypes);
        Assert.Equal(second, parameter.CompositeValueType);
    }

    [Fact]
    public void Other_composites_and_special_parameters_are_not_registered()
    {
        Assert.False(_registry.TryGet("ActivityDefinition", "context-type-quantity", out _)); // a Quantity or a Range
        Assert.False(_registry.TryGet("MolecularSequence", "chromosome-variant-coordinate", out _)); // three parts, two numbers
        Assert.False(_registry.TryGet("DocumentReference", "relationship", out _)); // a reference, then a token
        Assert.False(_registry.TryGet("Location", "near", out _));
    }
}
