using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Validation;

/// <summary>
/// Extension definitions written for R5 and later (the tools and cross-version extensions many IGs load) name the
/// abstract types <c>CanonicalResource</c> and <c>MetadataResource</c> as their context. R4 has neither type, so Firely
/// finds no element of that type and refuses every use ("Extension used outside of appropriate contexts"). Such a
/// context is read as the R4 resource types that R5 derives from that type, in the copy of the definition the validator
/// uses (the stored resource is untouched); everything else about the definition stays as written.
/// </summary>
internal static class ExtensionContexts
{
    /// <summary>R5's CanonicalResource descendants (R5 resources.html) that R4 has.</summary>
    private static readonly string[] Canonical =
    [
        .. new[]
        {
            "ActivityDefinition", "ActorDefinition", "CapabilityStatement", "ChargeItemDefinition", "Citation", "CodeSystem",
            "CompartmentDefinition", "ConceptMap", "ConditionDefinition", "EventDefinition", "Evidence", "EvidenceReport",
            "EvidenceVariable", "ExampleScenario", "GraphDefinition", "ImplementationGuide", "Library", "Measure",
            "MessageDefinition", "NamingSystem", "ObservationDefinition", "OperationDefinition", "PlanDefinition", "Questionnaire",
            "Requirements", "SearchParameter", "SpecimenDefinition", "StructureDefinition", "StructureMap", "SubscriptionTopic",
            "TerminologyCapabilities", "TestPlan", "TestScript", "ValueSet",
        }.Where(ModelInfo.IsKnownResource),
    ];

    /// <summary>R5's MetadataResource descendants that R4 has.</summary>
    private static readonly string[] Metadata =
    [
        .. new[]
        {
            "ActivityDefinition", "ChargeItemDefinition", "Citation", "CodeSystem", "ConceptMap", "ConditionDefinition",
            "EventDefinition", "Evidence", "EvidenceReport", "EvidenceVariable", "Library", "Measure", "NamingSystem",
            "PlanDefinition", "Questionnaire", "ValueSet",
        }.Where(ModelInfo.IsKnownResource),
    ];

    /// <summary>Whether <paramref name="sd"/> is an extension with an R5 abstract-type context (checked before copying).</summary>
    public static bool NamesR5AbstractType(StructureDefinition sd) =>
        sd.Type == "Extension" && sd.Context.Any(c => c.Type == StructureDefinition.ExtensionContextType.Element && Expansion(c.Expression) is not null);

    /// <summary>Replaces, in <paramref name="sd"/> (a copy), each R5 abstract-type context by the R4 resource types it stands for.</summary>
    public static void ExpandR5AbstractTypes(StructureDefinition sd)
    {
        var contexts = new List<StructureDefinition.ContextComponent>();
        foreach (var context in sd.Context)
        {
            if (context.Type == StructureDefinition.ExtensionContextType.Element && Expansion(context.Expression) is { } types)
            {
                contexts.AddRange(types.Where(t => !sd.Context.Any(c => c.Expression == t))
                    .Select(t => new StructureDefinition.ContextComponent { Type = StructureDefinition.ExtensionContextType.Element, Expression = t }));
            }
            else
            {
                contexts.Add(context);
            }
        }

        sd.Context = contexts;
    }

    private static string[]? Expansion(string? expression) => expression switch
    {
        "CanonicalResource" => Canonical,
        "MetadataResource" => Metadata,
        _ => null,
    };
}
