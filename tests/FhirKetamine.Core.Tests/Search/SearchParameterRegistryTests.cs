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
}
