using FhirKetamine.Core.Search;

namespace FhirKetamine.Core.Tests.Operations;

public sealed class PatientCompartmentTests
{
    [Theory]
    [InlineData("Observation", "subject", true)]
    [InlineData("Observation", "performer", true)]
    [InlineData("Observation", "device", false)]
    [InlineData("Procedure", "patient", true)]
    [InlineData("MedicationAdministration", "patient", true)]
    [InlineData("Flag", "patient", true)]
    [InlineData("DetectedIssue", "patient", true)]
    [InlineData("Patient", "link", true)]
    [InlineData("Practitioner", "name", false)]
    [InlineData("Medication", "code", false)]
    public void The_R4_definition_comes_from_the_SDK_specification(string type, string parameter, bool member)
    {
        Assert.Equal(member, PatientCompartment.R4.IsMembership(type, parameter));
    }

    [Fact]
    public void Types_without_membership_parameters_are_not_compartment_types()
    {
        Assert.False(PatientCompartment.R4.ParametersByType.ContainsKey("Organization"));
        Assert.False(PatientCompartment.R4.ParametersByType.ContainsKey("Practitioner"));
        Assert.True(PatientCompartment.R4.ParametersByType.Count > 50);
    }
}
