namespace FhirKetamine.Core.Search.Index;

/// <summary>
/// A search-index row: one value of one search parameter of one resource, extracted at write time by
/// <see cref="SearchIndexer"/> and written in the same database transaction as the resource.
/// Values are normalised on the way in (lower-case strings, UTC ranges), so queries are plain comparisons
/// on every database provider.
/// </summary>
public abstract class IndexRow
{
    public long Id { get; set; }

    public long ResourceKey { get; set; }

    public required string ResourceType { get; set; }

    public required string ParamName { get; set; }

    /// <summary>Lets one SaveChanges insert a new resource and its index rows together.</summary>
    public FhirKetamine.Core.Storage.ResourceRow? Resource { get; set; }
}
