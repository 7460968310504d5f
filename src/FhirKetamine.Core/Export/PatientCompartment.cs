using System.Collections.Frozen;

using FhirKetamine.Core.Validation;

using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Export;

/// <summary>
/// The R4 Patient compartment (CompartmentDefinition/patient from the core specification the Firely SDK
/// ships): for each resource type, the search parameters whose reference makes a resource part of a
/// patient's compartment. Patient and Group export take exactly these types.
/// </summary>
public static class PatientCompartment
{
    private static readonly Lazy<FrozenDictionary<string, string[]>> Loaded = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Type → parameters (<c>{def}</c> for the Patient itself).</summary>
    public static FrozenDictionary<string, string[]> Parameters => Loaded.Value;

    private static FrozenDictionary<string, string[]> Load()
    {
        var definition = CoreSpecification.Instance.Resources.OfType<CompartmentDefinition>()
            .Single(c => c.Code == CompartmentType.Patient);
        return definition.Resource
            .Where(r => r.Code is not null && r.Param.Any())
            .ToFrozenDictionary(r => Hl7.Fhir.Utility.EnumUtility.GetLiteral(r.Code)!, r => r.Param.OfType<string>().ToArray(), StringComparer.Ordinal);
    }
}