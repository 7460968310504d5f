using FhirKetamine.Core.Rest;

using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Validation;

/// <summary>
/// Rules on a StructureDefinition itself that Firely does not check: a profile an element's type names
/// (<c>ElementDefinition.type.profile</c>) must be a profile of that type — its <c>type</c> is the type's code
/// (elementdefinition.html#ElementDefinition.type.profile: "a profile ... that applies to the datatype this element
/// refers to"). Naming <c>Count</c> (a type of its own, specialising Quantity) on a Quantity element does not constrain
/// the Quantity. Abstract and backbone type codes (<c>Resource</c>, <c>DomainResource</c>, <c>Element</c>,
/// <c>BackboneElement</c>) take profiles of the types under them and are not checked; nor is a profile this server does
/// not know. Runs for StructureDefinitions only, over the differential (or the snapshot, when there is no differential).
/// <para>
/// And a constraint cannot undo its base (profiling.html: a profile "can only ... constrain" what its base allows): an
/// element's <c>fixed[x]</c> must equal the <c>fixed[x]</c> the base gives the same element. A derived extension fixing
/// its own <c>Extension.url</c> under a base that fixes the base's url admits no instance at all (Java: "Value is ...
/// but is fixed to ... in the profile").
/// </para>
/// </summary>
internal static class StructureDefinitionRules
{
    private static readonly HashSet<string> AbstractCodes = new(StringComparer.Ordinal) { "Resource", "DomainResource", "Element", "BackboneElement" };

    /// <param name="sd">The StructureDefinition being validated.</param>
    /// <param name="typeOf">The <c>type</c> of the StructureDefinition with a canonical URL; null when unknown.</param>
    public static IEnumerable<OperationOutcome.IssueComponent> Check(StructureDefinition sd, Func<string, string?> typeOf)
    {
        var (elements, part) = sd.Differential?.Element is { Count: > 0 } differential
            ? (differential, "differential")
            : (sd.Snapshot?.Element ?? [], "snapshot");
        for (var e = 0; e < elements.Count; e++)
        {
            for (var t = 0; t < elements[e].Type.Count; t++)
            {
                var type = elements[e].Type[t];
                if (type.Code is not { Length: > 0 } code || AbstractCodes.Contains(code) || code.Contains(':', StringComparison.Ordinal))
                {
                    continue; // FHIRPath system types (http://hl7.org/fhirpath/System.String) have no profiles either
                }

                var profiles = type.Profile.ToList();
                for (var p = 0; p < profiles.Count; p++)
                {
                    if (profiles[p] is { Length: > 0 } profile && typeOf(profile) is { } profiled && profiled != code)
                    {
                        yield return Outcomes.ValidationError(OperationOutcome.IssueType.Invalid,
                            $"Profile {profile} is for type {profiled}, but the {elements[e].Path} element has type {code}.",
                            $"StructureDefinition.{part}.element[{e}].type[{t}].profile[{p}]");
                    }
                }
            }
        }
    }

    /// <param name="sd">The StructureDefinition being validated.</param>
    /// <param name="baseOf">The StructureDefinition with a canonical URL (core or this server's); null when unknown.</param>
    public static IEnumerable<OperationOutcome.IssueComponent> CheckFixedValues(StructureDefinition sd, Func<string, StructureDefinition?> baseOf)
    {
        var elements = sd.Differential?.Element ?? [];
        if (sd.Derivation != StructureDefinition.TypeDerivationRule.Constraint || sd.BaseDefinition is not { } baseUrl
            || !elements.Any(e => e.Fixed is not null) || baseOf(baseUrl) is not { } baseSd)
        {
            yield break;
        }

        // The base's snapshot when it has one; a profile stored without one fixes its values in its differential.
        var baseElements = baseSd.Snapshot?.Element is { Count: > 0 } snapshot ? snapshot : baseSd.Differential?.Element ?? [];
        for (var e = 0; e < elements.Count; e++)
        {
            if (elements[e].Fixed is not { } fixedValue)
            {
                continue;
            }

            var key = elements[e].ElementId ?? elements[e].Path;
            if (baseElements.FirstOrDefault(b => (b.ElementId ?? b.Path) == key)?.Fixed is { } baseFixed && !fixedValue.IsExactly(baseFixed))
            {
                yield return Outcomes.ValidationError(OperationOutcome.IssueType.Invalid,
                    $"{elements[e].Path} is fixed to '{Show(fixedValue)}', but the base {baseUrl} fixes it to '{Show(baseFixed)}': no instance can conform to both.",
                    $"StructureDefinition.differential.element[{e}]");
            }
        }
    }

    private static string Show(DataType value) => value is PrimitiveType primitive ? primitive.ToString() ?? string.Empty : value.TypeName;
}
