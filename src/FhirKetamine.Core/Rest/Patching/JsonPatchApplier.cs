using System.Text.Json.Nodes;

namespace FhirKetamine.Core.Rest.Patching;

/// <summary>
/// Applies RFC 6902 operations to a JSON document in order, in place. Written by hand on System.Text.Json.Nodes:
/// the served RFC 6902 packages either need the ASP.NET Core shared framework or are not available here.
/// A target that is missing, or a failed test, is a 422 naming the operation.
/// </summary>
internal static class JsonPatchApplier
{
    /// <summary>Applies <paramref name="operations"/> to <paramref name="document"/>; returns the new root (only "" paths replace it).</summary>
    public static JsonNode? Apply(JsonNode? document, IEnumerable<JsonPatchOperation> operations, Action<JsonPatchOperation, JsonNode?>? afterEach = null)
    {
        var root = document;
        foreach (var op in operations)
        {
            root = op.Op switch
            {
                "add" => Add(root, op.Path, op.Value?.DeepClone(), op),
                "remove" => Remove(root, op.Path, op, "path", out _),
                "replace" => Replace(root, op),
                "move" => Move(root, op),
                "copy" => Add(root, op.Path, Get(root, op.From!, op, "from")?.DeepClone(), op),
                "test" => Test(root, op),
                _ => throw FhirException.BadRequest($"{op.Describe()}: unknown op."),
            };
            afterEach?.Invoke(op, root);
        }

        return root;
    }

    private static JsonNode? Add(JsonNode? root, JsonPointer path, JsonNode? value, JsonPatchOperation op)
    {
        if (path.IsRoot)
        {
            return value;
        }

        switch (Get(root, path.Parent, op, "path"))
        {
            case JsonObject obj:
                obj[path.LastToken] = value;
                break;
            case JsonArray array when path.LastToken == "-":
                array.Add(value);
                break;
            case JsonArray array when JsonPointer.TryParseIndex(path.LastToken, array.Count, out var index):
                array.Insert(index, value);
                break;
            case JsonArray array:
                throw Unprocessable(op, $"'{path.LastToken}' is not an index from 0 to {array.Count} or '-' in the array at '{path.Parent}'.");
            default:
                throw Unprocessable(op, $"the parent '{path.Parent}' is not an object or an array.");
        }

        return root;
    }

    private static JsonNode? Remove(JsonNode? root, JsonPointer path, JsonPatchOperation op, string member, out JsonNode? removed)
    {
        if (path.IsRoot)
        {
            throw Unprocessable(op, "the whole document cannot be removed.");
        }

        removed = Get(root, path, op, member);
        switch (Get(root, path.Parent, op, member))
        {
            case JsonObject obj:
                obj.Remove(path.LastToken);
                break;
            case JsonArray array:
                JsonPointer.TryParseIndex(path.LastToken, array.Count - 1, out var index);
                array.RemoveAt(index);
                break;
        }

        return root;
    }

    private static JsonNode? Replace(JsonNode? root, JsonPatchOperation op)
    {
        if (op.Path.IsRoot)
        {
            return op.Value?.DeepClone();
        }

        // The target must exist (RFC 6902 §4.3); then replace in place so array positions are kept.
        Get(root, op.Path, op, "path");
        var value = op.Value?.DeepClone();
        switch (Get(root, op.Path.Parent, op, "path"))
        {
            case JsonObject obj:
                obj[op.Path.LastToken] = value;
                break;
            case JsonArray array:
                JsonPointer.TryParseIndex(op.Path.LastToken, array.Count - 1, out var index);
                array[index] = value;
                break;
        }

        return root;
    }

    private static JsonNode? Move(JsonNode? root, JsonPatchOperation op)
    {
        var from = op.From!;
        if (from.Text == op.Path.Text)
        {
            Get(root, from, op, "from");
            return root;
        }

        if (from.IsProperPrefixOf(op.Path))
        {
            throw Unprocessable(op, $"cannot move '{from}' into one of its own children.");
        }

        root = Remove(root, from, op, "from", out var value);
        return Add(root, op.Path, value, op);
    }

    private static JsonNode? Test(JsonNode? root, JsonPatchOperation op)
    {
        var actual = Get(root, op.Path, op, "path");
        if (!JsonNode.DeepEquals(actual, op.Value))
        {
            throw Unprocessable(op, $"test failed: the value at '{op.Path}' is {Show(actual)}, not {Show(op.Value)}.");
        }

        return root;
    }

    private static JsonNode? Get(JsonNode? root, JsonPointer pointer, JsonPatchOperation op, string member) =>
        pointer.TryResolve(root, out var node)
            ? node
            : throw Unprocessable(op, $"the {member} '{pointer}' does not exist in the resource.");

    private static string Show(JsonNode? node)
    {
        var text = node?.ToJsonString() ?? "null";
        return text.Length <= 100 ? text : text[..100] + "…";
    }

    private static FhirException Unprocessable(JsonPatchOperation op, string reason) =>
        FhirException.Unprocessable($"{op.Describe()}: {reason}");
}