using System.Collections.Frozen;
using FhirKetamine.Core.Validation;
using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Search;

/// <summary>
/// The R4 Patient compartment (CompartmentDefinition/patient from the core specification): for each resource
/// type, the reference parameters that put a resource in a patient's compartment (Observation: subject,
/// performer). A type the definition lists without parameters, or does not list, is never in a compartment.
/// </summary>
public static class PatientCompartment
{
    private static readonly Lazy<FrozenDictionary<string, string[]>> ByType = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    private static readonly Lazy<string[]> Pairs = new(
        () => ByType.Value.SelectMany(kv => kv.Value.Select(p => kv.Key + ":" + p)).Order(StringComparer.Ordinal).ToArray(),
        LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The compartment's reference parameters of <paramref name="type"/>; empty when the type has none.</summary>
    public static IReadOnlyList<string> Parameters(string type) => ByType.Value.TryGetValue(type, out var names) ? names : [];

    /// <summary>Every <c>Type:parameter</c> pair of the compartment, for queries over resources of mixed types.</summary>
    public static IReadOnlyList<string> TypeParameterPairs => Pairs.Value;

    private static FrozenDictionary<string, string[]> Load()
    {
        var definition = CoreSpecification.Instance.Resources.OfType<CompartmentDefinition>()
            .Single(c => c.Code == CompartmentType.Patient);
        return definition.Resource
            .Where(r => r.Code is not null)
            .ToFrozenDictionary(
                r => r.CodeElement.JsonValue as string ?? r.Code!.Value.ToString(),
                r => r.Param.Where(p => p is not null && !p.StartsWith('{')).Select(p => p!).ToArray(),
                StringComparer.Ordinal);
    }
}
