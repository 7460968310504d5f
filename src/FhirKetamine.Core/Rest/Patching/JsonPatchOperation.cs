using System.Text.Json.Nodes;

namespace FhirKetamine.Core.Rest.Patching;

/// <summary>One RFC 6902 operation, already checked for shape. <see cref="Value"/> may be a JSON null when <see cref="HasValue"/>.</summary>
internal sealed record JsonPatchOperation(int Index, string Op, JsonPointer Path, JsonPointer? From, JsonNode? Value, bool HasValue)
{
    public string Describe() => $"Operation {Index} ({Op} '{Path}')";
}