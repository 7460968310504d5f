using FhirKetamine.Core.Smart;

namespace FhirKetamine.Core.Tests.Smart;

public sealed class SmartScopeTests
{
    [Theory]
    [InlineData("system/Observation.rs", "Observation", 'r', true)]
    [InlineData("system/Observation.rs", "Observation", 'c', false)]
    [InlineData("system/Observation.rs", "Patient", 'r', false)]
    [InlineData("patient/*.read", "Condition", 's', true)]
    [InlineData("user/*.write", "Procedure", 'u', true)]
    [InlineData("user/*.write", "Procedure", 'r', false)]
    [InlineData("system/*.cruds", "Device", 'd', true)]
    public void V1_and_v2_scopes_grant_their_permissions(string scope, string type, char permission, bool allowed)
    {
        var parsed = SmartScope.Parse(scope);

        Assert.NotNull(parsed);
        Assert.Equal(allowed, parsed.Allows(type, permission));
    }

    [Fact]
    public void A_granular_scope_grants_only_through_its_filter()
    {
        var scope = SmartScope.Parse("patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|vital-signs");

        Assert.NotNull(scope);
        Assert.Equal("category=http://terminology.hl7.org/CodeSystem/observation-category|vital-signs", scope.Filter);
        Assert.False(scope.Allows("Observation", 'r'));
        Assert.True(scope.Grants("Observation", 'r'));
        Assert.False(scope.Grants("Observation", 'c'));
    }

    [Theory]
    [InlineData("openid")]
    [InlineData("launch/patient")]
    [InlineData("system/Observation.xyz")]
    [InlineData("clinic/Observation.rs")]
    public void Non_resource_or_malformed_scopes_are_not_resource_grants(string scope) =>
        Assert.Null(SmartScope.Parse(scope));
}
