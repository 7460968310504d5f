using System.Net;
using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Rest;

/// <summary>
/// The engine's answer to one <see cref="FhirRequest"/>: a status, the resource (as a POCO or as the
/// JSON stored for it, which JSON clients receive without re-serialisation), version headers and an
/// optional OperationOutcome. The HTTP layer and the Bundle processor both turn it into their form.
/// </summary>
public sealed record FhirResponse(HttpStatusCode Status)
{
    public Resource? Resource { get; init; }

    /// <summary>
    /// The resource as JSON: a read's stored version, or a search Bundle written around its entries' stored JSON
    /// (<see cref="FhirSerialization.ToJson(Bundle, IReadOnlyList{string})"/>). Parsed only for a caller that needs the POCO.
    /// </summary>
    public string? StoredJson { get; init; }

    public string? ResourceType { get; init; }

    public string? Id { get; init; }

    public int? VersionId { get; init; }

    public DateTime? LastUpdated { get; init; }

    /// <summary>Relative location, e.g. Observation/123/_history/1.</summary>
    public string? Location { get; init; }

    public OperationOutcome? Outcome { get; init; }

    public string? ETag => VersionId is { } v ? $"W/\"{v}\"" : null;

    public bool HasResource => Resource is not null || StoredJson is not null;
}
