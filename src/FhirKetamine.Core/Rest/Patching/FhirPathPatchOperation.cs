using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Rest.Patching;

/// <summary>
/// One FHIRPath Patch operation (a Parameters "operation" parameter), already checked for the parts its type needs.
/// <see cref="Value"/> is the "value" part itself: it carries either a value[x] or nested parts for a complex value.
/// </summary>
internal sealed record FhirPathPatchOperation(
    int Index,
    string Type,
    string Path,
    string? Name,
    Parameters.ParameterComponent? Value,
    int? ListIndex,
    int? Source,
    int? Destination)
{
    public string Describe() => $"Operation {Index} ({Type} '{Path}')";
}