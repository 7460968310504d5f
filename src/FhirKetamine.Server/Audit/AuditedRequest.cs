using FhirKetamine.Core.Rest;

using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Audit;

/// <summary>
/// What the audit knows of one FHIR request before it runs, taken from its endpoint and path (routing has
/// chosen the endpoint; the exception handler clears it later): the interaction and its target.
/// </summary>
internal sealed class AuditedRequest
{
    private static readonly Dictionary<string, Interaction> ByEndpoint = new(StringComparer.Ordinal)
    {
        ["read"] = Interaction.Read,
        ["vread"] = Interaction.VRead,
        ["search-type"] = Interaction.SearchType,
        ["search-type-post"] = Interaction.SearchType,
        ["history-system"] = Interaction.HistorySystem,
        ["history-type"] = Interaction.HistoryType,
        ["history-instance"] = Interaction.HistoryInstance,
        ["create"] = Interaction.Create,
        ["update"] = Interaction.Update,
        ["conditional-update"] = Interaction.Update,
        ["patch"] = Interaction.Patch,
        ["conditional-patch"] = Interaction.Patch,
        ["delete"] = Interaction.Delete,
        ["conditional-delete"] = Interaction.Delete,
        ["batch"] = Interaction.Batch,
    };

    private AuditedRequest(Interaction interaction, string? type, string? id, string? versionId)
    {
        Interaction = interaction;
        ResourceType = type;
        Id = id;
        VersionId = versionId;
    }

    public Interaction Interaction { get; }

    public string? ResourceType { get; }

    public string? Id { get; }

    public string? VersionId { get; }

    /// <summary>True once the event of this request is stored (by the filter, or the middleware).</summary>
    public bool Recorded { get; set; }

    public bool IsWrite => Interaction is Interaction.Create or Interaction.Update or Interaction.Patch or Interaction.Delete;

    public bool IsQuery => Interaction is Interaction.SearchType or Interaction.HistoryType or Interaction.HistorySystem or Interaction.Operation;

    /// <summary>The request to audit, or null for what is not audited: outside <c>/fhir</c>, the CapabilityStatement and SMART discovery.</summary>
    public static AuditedRequest? Of(HttpContext http)
    {
        var segments = http.Request.Path.Value?.Split('/', StringSplitOptions.RemoveEmptyEntries) ?? [];
        if (segments is not ["fhir", ..] || segments is ["fhir", "metadata"] || segments is ["fhir", ".well-known", ..])
        {
            return null;
        }

        var name = http.GetEndpoint()?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName;
        var interaction = name is not null && ByEndpoint.TryGetValue(name, out var known) ? known : Interaction.Operation;
        var type = segments.Length > 1 && ModelInfo.IsKnownResource(segments[1]) ? segments[1] : null;
        var id = type is not null && segments.Length > 2 && !segments[2].StartsWith('$') && !segments[2].StartsWith('_') ? segments[2] : null;
        var versionId = id is not null && segments.Length > 4 && segments[3] == "_history" ? segments[4] : null;
        return new AuditedRequest(interaction, type, id, versionId);
    }

    /// <summary>The instance this request names, versioned when it names a version.</summary>
    public string? Reference(int? version = null) => (ResourceType, Id, version?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? VersionId) switch
    {
        (null, _, _) or (_, null, _) => null,
        (var t, var i, null) => $"{t}/{i}",
        var (t, i, v) => $"{t}/{i}/_history/{v}",
    };
}
