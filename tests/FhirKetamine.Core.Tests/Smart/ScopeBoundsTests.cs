using FhirKetamine.Core.Search;
using FhirKetamine.Core.Smart;

namespace FhirKetamine.Core.Tests.Smart;

/// <summary>How a grant becomes the per-type alternatives the search engine enforces.</summary>
public sealed class ScopeBoundsTests
{
    private const string VitalSigns = "category=http://terminology.hl7.org/CodeSystem/observation-category|vital-signs";
    private static readonly SearchQueryParser Parser = new(new SearchParameterRegistry());

    private static AccessBounds? Bounds(string scopes, string? patient = null, char permission = 'r') =>
        ScopeBounds.Of(SmartAccess.FromScopeString("c", null, patient, scopes), permission, Parser);

    [Fact]
    public void An_unconditional_wildcard_grant_has_no_bounds() => Assert.Null(Bounds("system/*.rs patient/Observation.rs"));

    [Fact]
    public void A_type_scope_leaves_that_type_unrestricted_and_every_other_type_invisible()
    {
        var bounds = Assert.IsType<AccessBounds>(Bounds("system/Observation.rs"));
        Assert.Null(bounds.For("Observation"));
        Assert.Empty(bounds.For("Patient")!);
    }

    [Fact]
    public void A_granular_patient_scope_is_one_alternative_with_its_filter_and_the_compartment()
    {
        var bounds = Assert.IsType<AccessBounds>(Bounds($"patient/Observation.rs?{VitalSigns} patient/Patient.rs", "p1"));
        var only = Assert.Single(bounds.For("Observation")!);
        Assert.Equal("p1", only.Patient);
        var clause = Assert.Single(only.Clauses);
        Assert.Equal("category", clause.Name);
        Assert.Equal("p1", Assert.Single(bounds.For("Patient")!).Patient);
    }

    [Fact]
    public void Alternatives_of_several_scopes_are_ored_and_an_unfiltered_one_wins()
    {
        var bounds = Assert.IsType<AccessBounds>(Bounds($"user/Observation.rs?{VitalSigns} patient/Observation.rs", "p1"));
        Assert.Equal(2, bounds.For("Observation")!.Count);
        Assert.Null(Assert.IsType<AccessBounds>(Bounds($"user/Observation.rs?{VitalSigns} user/Observation.rs")).For("Observation"));
    }

    [Fact]
    public void Patient_scope_without_a_patient_reaches_no_compartment() =>
        Assert.Equal(string.Empty, Assert.Single(Assert.IsType<AccessBounds>(Bounds("patient/*.rs")).OtherTypes!).Patient);

    [Theory]
    [InlineData("system/Observation.rs?no-such-parameter=1")]
    [InlineData("system/Observation.rs?subject.name=Zed")]
    [InlineData("system/Observation.rs?_count=5")]
    [InlineData("system/*.rs?" + VitalSigns)]
    public void A_filter_that_cannot_be_enforced_grants_nothing(string scope)
    {
        var bounds = Assert.IsType<AccessBounds>(Bounds(scope));
        Assert.Empty(bounds.For("Observation")!);
    }

    [Fact]
    public void Only_scopes_with_the_permission_count() =>
        Assert.Empty(Assert.IsType<AccessBounds>(Bounds("system/Observation.c", permission: 's')).For("Observation")!);
}
