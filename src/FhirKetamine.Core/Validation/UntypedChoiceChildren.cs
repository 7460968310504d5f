using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Validation;

/// <summary>
/// A differential element under a choice element (<c>Observation.value[x].value</c>) says nothing unless the choice is
/// narrowed to one type: the children of <c>value[x]</c> are those of whichever type the instance uses, and a Quantity's
/// <c>value</c> is not a CodeableConcept's. Java's snapshot generator cannot place such an element and leaves it out
/// (an Observation with <c>valueQuantity.value</c> above the profile's <c>maxValueDecimal</c> passes there). Firely instead
/// gives <c>value[x]</c> the one child the differential names, so every Quantity fails with "unknown child elements
/// 'unit','system','code'". In the validator's copy of such a profile (the stored resource is untouched) the elements under
/// a choice of several types that the differential does not narrow to one are left out, as Java leaves them out; <c>id</c> and
/// <c>extension</c>, which every type has from Element, stay.
/// </summary>
internal static class UntypedChoiceChildren
{
    /// <summary><c>id</c> and <c>extension</c> (and what is under them) are Element's: every type of the choice has them.</summary>
    private static bool CommonToEveryType(string child) =>
        child.Split('.')[0] is "id" or "extension";

    /// <summary>Removes, in <paramref name="sd"/> (a copy), differential elements under a choice of several types; false when there were none.</summary>
    /// <param name="sd">A StructureDefinition without a snapshot.</param>
    /// <param name="baseSnapshot">The base definition's snapshot elements, or null when the base is not a core definition.</param>
    public static bool Drop(StructureDefinition sd, IReadOnlyList<ElementDefinition>? baseSnapshot)
    {
        if (sd.Differential?.Element is not { Count: > 0 } elements || baseSnapshot is null
            || !elements.Any(e => e.Path?.Contains("[x].", StringComparison.Ordinal) == true))
        {
            return false;
        }

        bool Untyped(string choice) =>
            baseSnapshot.Any(b => b.Path == choice && b.Type.Count > 1)
            && !elements.Any(e => e.Path == choice && e.SliceName is null && e.Type.Count == 1);

        var kept = elements.Where(e => e.Path is not { } path || path.IndexOf("[x].", StringComparison.Ordinal) is var at
                && (at < 0 || CommonToEveryType(path[(at + 4)..]) || !Untyped(path[..(at + 3)])))
            .ToList();
        if (kept.Count == elements.Count)
        {
            return false;
        }

        sd.Differential.Element = kept;
        return true;
    }
}
