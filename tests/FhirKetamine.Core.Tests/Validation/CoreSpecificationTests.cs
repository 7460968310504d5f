using FhirKetamine.Core.Validation;

using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Tests.Validation;

/// <summary>The core R4 index: every resource findable the way Firely's in-memory resolver finds it, parsed only when resolved.</summary>
public sealed class CoreSpecificationTests
{
    private static CoreSpecification Core => CoreSpecification.Instance;

    [Fact]
    public void Every_concrete_R4_resource_type_is_listed_and_abstract_ones_are_not()
    {
        Assert.Equal(146, Core.ResourceTypeUrls.Count); // R4 4.0.1: 148 resource StructureDefinitions, Resource and DomainResource abstract
        Assert.Contains("http://hl7.org/fhir/StructureDefinition/Observation", Core.ResourceTypeUrls);
        Assert.DoesNotContain("http://hl7.org/fhir/StructureDefinition/DomainResource", Core.ResourceTypeUrls);
        Assert.DoesNotContain("http://hl7.org/fhir/StructureDefinition/vitalsigns", Core.ResourceTypeUrls); // a constraint, not a type
        Assert.Contains("http://hl7.org/fhir/StructureDefinition/vitalsigns", Core.StructureDefinitionUrls);
    }

    [Fact]
    public void A_resource_resolves_by_canonical_with_or_without_version_and_by_type_and_id()
    {
        var patient = Assert.IsType<StructureDefinition>(Core.Resolver.ResolveByCanonicalUri("http://hl7.org/fhir/StructureDefinition/Patient"));
        Assert.Equal("Patient", patient.Type);
        Assert.NotNull(patient.Snapshot);
        Assert.NotEmpty(patient.Snapshot!.Element);
        Assert.Same(patient, Core.Resolver.ResolveByCanonicalUri("http://hl7.org/fhir/StructureDefinition/Patient|4.0.1"));
        Assert.Same(patient, Core.Resolver.ResolveByUri("StructureDefinition/Patient"));
        Assert.Null(Core.Resolver.ResolveByCanonicalUri("http://hl7.org/fhir/StructureDefinition/Patient|3.0.2"));
        Assert.Null(Core.Resolver.ResolveByCanonicalUri("http://example.org/StructureDefinition/Nothing"));

        var v2 = Assert.IsType<ValueSet>(Core.Resolver.ResolveByCanonicalUri("http://terminology.hl7.org/ValueSet/v2-0001"));
        Assert.NotNull(v2.Compose);
        Assert.IsType<CodeSystem>(Core.Resolver.ResolveByCanonicalUri("http://terminology.hl7.org/CodeSystem/v3-ActCode"));
    }

    [Fact]
    public void Resources_are_parsed_when_first_resolved_not_at_start()
    {
        Assert.True(Core.CanonicalsOf("ValueSet").Count() > 1000);
        Assert.True(Core.CanonicalsOf("CodeSystem").Count() > 500);
        Assert.True(Core.ParsedCount < Core.StructureDefinitionUrls.Count, $"{Core.ParsedCount} parsed");
    }
}
