using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace FhirKetamine.Core.Rest.Patching;

/// <summary>
/// Moves a resource between the Firely model and System.Text.Json nodes. The way back uses the strict
/// deserializer, so it doubles as the check that a patched resource is still a valid FHIR structure.
/// </summary>
internal sealed partial class FhirJsonCodec
{
    private readonly BaseFhirJsonSerializer serializer = new(ModelInfo.ModelInspector);
    private readonly FhirJsonDeserializer deserializer = new(new DeserializerSettings().UsingMode(DeserializationMode.Strict));

    public JsonObject ToJson(Resource resource) =>
        JsonNode.Parse(serializer.SerializeToBytes(resource))!.AsObject();

    /// <summary>Parses <paramref name="json"/> strictly; any problem is a 422 naming the patch format.</summary>
    public Resource ToResource(JsonNode json, string patchKind) => ToResource(Encoding.UTF8.GetBytes(json.ToJsonString()), patchKind);

    public Resource ToResource(Resource resource, string patchKind) => ToResource(serializer.SerializeToBytes(resource), patchKind);

    private Resource ToResource(byte[] utf8Json, string patchKind)
    {
        var reader = new Utf8JsonReader(utf8Json);
        bool ok;
        Resource? resource;
        IEnumerable<Hl7.Fhir.Utility.CodedException> issues;
        try
        {
            ok = deserializer.TryDeserializeResource(ref reader, out resource, out issues);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            throw FhirException.Unprocessable($"The {patchKind} produced a resource that cannot be read as FHIR JSON: {ex.Message}");
        }

        if (!ok || resource is null)
        {
            // Positions would point into our own serialisation, not the client's document: keep the FHIR location only.
            var details = string.Join("; ", issues.Select(i => Position().Replace(i.Message, "")).Take(5));
            throw FhirException.Unprocessable($"The {patchKind} produced an invalid FHIR resource: {details}");
        }

        return resource;
    }

    [GeneratedRegex(@", line \d+, position \d+")]
    private static partial Regex Position();
}