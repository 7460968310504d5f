namespace FhirKetamine.Core.Storage;

/// <summary>
/// Every version of every resource, the current one included, with the JSON exactly as validated and
/// stored (never re-serialised on read). <see cref="Sequence"/> is a global, monotonic order used for
/// system and type history and for paging that is stable while new writes arrive.
/// A unique key on (ResourceKey, VersionId) makes the database, not memory, the judge of version races.
/// </summary>
public sealed class ResourceVersionRow
{
    public long Sequence { get; set; }

    public long ResourceKey { get; set; }

    public ResourceRow? Resource { get; set; }

    public required string Type { get; set; }

    public required string LogicalId { get; set; }

    public int VersionId { get; set; }

    /// <summary>UTC.</summary>
    public DateTime LastUpdated { get; set; }

    public bool IsDeleted { get; set; }

    /// <summary>POST, PUT, PATCH or DELETE: what produced this version (history's request.method).</summary>
    public required string Method { get; set; }

    /// <summary>The stored FHIR JSON; empty for a deletion tombstone.</summary>
    public required string Json { get; set; }
}
