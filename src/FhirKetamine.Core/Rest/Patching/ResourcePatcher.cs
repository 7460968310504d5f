using System.Text.Json.Nodes;

using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Rest.Patching;

/// <summary>
/// The engine of the FHIR patch interaction: applies a JSON Patch (RFC 6902) or a FHIRPath Patch to a resource
/// and returns a new, strictly re-parsed resource. The input is never changed; resourceType and id cannot be patched.
/// Bad documents are 400s, patches that cannot apply are 422s, always as <see cref="FhirException"/>.
/// Thread-safe; meant to be a singleton (it holds the serializers and the compiled FHIRPath cache).
/// </summary>
public sealed class ResourcePatcher
{
    private const string JsonPatchKind = "JSON Patch";
    private readonly FhirJsonCodec codec = new();
    private readonly FhirPathPatchApplier fhirPathPatch = new();

    public Resource ApplyJsonPatch(Resource current, string jsonPatchDocument)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(jsonPatchDocument);
        var operations = JsonPatchDocumentReader.Read(jsonPatchDocument);

        var patched = JsonPatchApplier.Apply(codec.ToJson(current), operations, (op, root) => KeepIdentity(current, op, root));
        return codec.ToResource(patched!, JsonPatchKind);
    }

    public Resource ApplyFhirPathPatch(Resource current, Parameters patch)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(patch);
        var operations = FhirPathPatchReader.Read(patch);

        var copy = (Resource)current.DeepCopy();
        fhirPathPatch.Apply(copy, operations, current.Id);
        return codec.ToResource(copy, "FHIRPath Patch");
    }

    private static void KeepIdentity(Resource current, JsonPatchOperation op, JsonNode? root)
    {
        var obj = root as JsonObject;
        var type = (obj?["resourceType"] as JsonValue)?.ToString();
        if (type != current.TypeName)
        {
            throw FhirException.Unprocessable($"{op.Describe()}: a patch cannot change the resourceType ({current.TypeName}).");
        }

        var id = obj!.TryGetPropertyValue("id", out var idNode) ? (idNode as JsonValue)?.ToString() ?? idNode?.ToJsonString() : null;
        if (id != current.Id)
        {
            throw FhirException.Unprocessable($"{op.Describe()}: a patch cannot change the resource id ('{current.Id}').");
        }
    }
}