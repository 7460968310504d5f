using FhirKetamine.Core.Export;
using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Search;
using FhirKetamine.Core.Smart;

namespace FhirKetamine.Core.Tests.Export;

public sealed class ExportRulesTests
{
    private static readonly SearchQueryParser Parser = new(new SearchParameterRegistry());

    private static IReadOnlyList<SmartScope> Scopes(string scopes) => SmartAccess.FromScopeString(null, null, null, scopes).Scopes;

    [Fact]
    public void Patient_compartment_comes_from_the_R4_definition()
    {
        Assert.Equal(["subject", "performer"], PatientCompartment.R4.ParametersByType["Observation"]);
        Assert.Contains("Encounter", PatientCompartment.R4.ParametersByType.Keys);
        Assert.DoesNotContain("Device", PatientCompartment.R4.ParametersByType.Keys);
        Assert.DoesNotContain("StructureDefinition", PatientCompartment.R4.ParametersByType.Keys);
    }

    [Fact]
    public void Only_system_or_user_read_scopes_export_and_only_their_types()
    {
        var observations = Scopes("system/Observation.rs");
        Assert.True(ExportScopes.CanReadAnything(observations));
        Assert.True(ExportScopes.CanRead(observations, "Observation"));
        Assert.False(ExportScopes.CanRead(observations, "Patient"));

        Assert.False(ExportScopes.CanReadAnything(Scopes("system/Observation.c system/Device.c")));
        Assert.False(ExportScopes.CanReadAnything(Scopes("patient/*.rs")));
        Assert.False(ExportScopes.CanReadAnything(Scopes("system/Observation.rs?category=vital-signs")));
        Assert.True(ExportScopes.CanRead(Scopes("user/*.read"), "Encounter"));
    }

    [Fact]
    public void Stored_scopes_read_back_the_same()
    {
        var scopes = Scopes("system/Observation.rs user/*.cruds");
        Assert.Equal(scopes, ExportScopes.Parse(ExportScopes.Format(scopes)));
    }

    [Fact]
    public void TypeFilter_becomes_a_search_query_of_the_engine()
    {
        var query = BulkExport.ParseTypeFilter("Observation?code=http://loinc.org|8867-4&status=final,amended", Parser);

        Assert.Equal("Observation", query.ResourceType);
        Assert.Equal(["code", "status"], query.Clauses.Select(c => c.Name));
        Assert.Equal(["final", "amended"], query.Clauses[1].Values);
    }

    [Theory]
    [InlineData("Observation")]
    [InlineData("Observation?")]
    [InlineData("Observation?_sort=date")]
    [InlineData("Observation?_include=Observation:subject")]
    [InlineData("Observation?not-a-parameter=1")]
    [InlineData("Unicorn?code=1")]
    public void TypeFilter_that_is_no_runnable_search_is_refused(string filter)
    {
        var error = Assert.Throws<FhirException>(() => BulkExport.ParseTypeFilter(filter, Parser));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, error.Status);
        Assert.Contains("_typeFilter", error.Message, StringComparison.Ordinal);
    }
}