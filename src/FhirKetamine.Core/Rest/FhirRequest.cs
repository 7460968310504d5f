using FhirKetamine.Core.Smart;

using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Rest;

/// <summary>
/// Everything the engine needs to know about one FHIR request, whether it came over HTTP or as a
/// Bundle entry: the interaction, its target, its body, its conditional headers and its caller.
/// </summary>
public sealed record FhirRequest(Interaction Interaction, SmartAccess Access)
{
    public string? ResourceType { get; init; }

    public string? Id { get; init; }

    public string? VersionId { get; init; }

    public string? OperationName { get; init; }

    public Resource? Resource { get; init; }

    /// <summary>
    /// The validator's outcome for <see cref="Resource"/> when the caller validated it already (a transaction
    /// validates every entry before it writes any), so the write does not validate it again.
    /// </summary>
    public OperationOutcome? Validated { get; init; }

    /// <summary>JSON Patch text, when <see cref="PatchFormat"/> is JsonPatch.</summary>
    public string? PatchDocument { get; init; }

    public PatchFormat? PatchFormat { get; init; }

    /// <summary>Search, history and conditional-interaction parameters, in request order, repeats kept.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Parameters { get; init; } = [];

    public string? IfMatch { get; init; }

    public string? IfNoneExist { get; init; }

    public string? IfNoneMatch { get; init; }

    public DateTimeOffset? IfModifiedSince { get; init; }

    /// <summary>True for conditional update/delete/patch (a search in place of an id).</summary>
    public bool IsConditional { get; init; }

    /// <summary>
    /// A create inside a transaction whose id was assigned up front (so references to its fullUrl
    /// could be rewritten): stored as a new resource with that id, answered 201.
    /// </summary>
    public bool CreateWithId { get; init; }

    /// <summary>Prefer: handling=strict makes unknown search parameters an error.</summary>
    public bool StrictHandling { get; init; }

    /// <summary>The FHIR base URL as the client sees it, e.g. http://localhost:5080/fhir.</summary>
    public string BaseUrl { get; init; } = "http://localhost/fhir";
}