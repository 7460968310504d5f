using System.Text.Json;
using System.Text.Json.Nodes;

namespace FhirKetamine.Core.Rest.Patching;

/// <summary>Reads an application/json-patch+json body. Anything that is not a well-formed RFC 6902 document is a 400.</summary>
internal static class JsonPatchDocumentReader
{
    private static readonly HashSet<string> KnownOps = ["add", "remove", "replace", "move", "copy", "test"];

    public static IReadOnlyList<JsonPatchOperation> Read(string document)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(document, documentOptions: new JsonDocumentOptions { MaxDepth = FhirSerialization.MaxDepth });
        }
        catch (JsonException ex)
        {
            throw FhirException.BadRequest($"The JSON Patch document is not valid JSON (line {ex.LineNumber + 1}, position {ex.BytePositionInLine + 1}).");
        }

        if (root is not JsonArray array)
        {
            throw FhirException.BadRequest("A JSON Patch document must be a JSON array of operations.");
        }

        return array.Select(Read).ToList();
    }

    private static JsonPatchOperation Read(JsonNode? node, int index)
    {
        if (node is not JsonObject obj)
        {
            throw FhirException.BadRequest($"Operation {index} of the JSON Patch document is not a JSON object.");
        }

        var op = RequiredString(obj, "op", index);
        if (!KnownOps.Contains(op))
        {
            throw FhirException.BadRequest($"Operation {index} has unknown op '{op}' (expected add, remove, replace, move, copy or test).");
        }

        var path = Pointer(RequiredString(obj, "path", index), "path", index);
        var from = op is "move" or "copy" ? Pointer(RequiredString(obj, "from", index), "from", index) : null;
        var hasValue = obj.TryGetPropertyValue("value", out var value);
        if (!hasValue && op is "add" or "replace" or "test")
        {
            throw FhirException.BadRequest($"Operation {index} ({op} '{path}') has no 'value'.");
        }

        return new JsonPatchOperation(index, op, path, from, value, hasValue);
    }

    private static string RequiredString(JsonObject obj, string member, int index)
    {
        if (obj[member] is JsonValue value && value.GetValueKind() == JsonValueKind.String)
        {
            return value.GetValue<string>();
        }

        throw FhirException.BadRequest($"Operation {index} has no string member '{member}'.");
    }

    private static JsonPointer Pointer(string text, string member, int index) =>
        JsonPointer.TryParse(text, out var pointer)
            ? pointer
            : throw FhirException.BadRequest($"Operation {index} has an invalid JSON Pointer in '{member}': '{text}'.");
}