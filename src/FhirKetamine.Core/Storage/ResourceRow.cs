namespace FhirKetamine.Core.Storage;

/// <summary>
/// One row per logical resource: its current version. <see cref="Key"/> is the stable surrogate that
/// search-index rows and history rows point to. <see cref="VersionId"/> is the concurrency token, so two
/// writers that both read version n cannot both write n+1: the database refuses the second.
/// </summary>
public sealed class ResourceRow
{
    public long Key { get; set; }

    public required string Type { get; set; }

    public required string LogicalId { get; set; }

    public int VersionId { get; set; }

    /// <summary>UTC.</summary>
    public DateTime LastUpdated { get; set; }

    public bool IsDeleted { get; set; }
}
