namespace FhirKetamine.Core.Search;

/// <summary>One matched resource as stored: identity, version and the stored JSON.</summary>
public sealed record SearchMatch(long Key, string Type, string Id, int VersionId, DateTime LastUpdated, string Json);
