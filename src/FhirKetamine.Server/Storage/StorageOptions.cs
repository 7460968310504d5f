namespace FhirKetamine.Server.Storage;

/// <summary><c>Storage:*</c> configuration.</summary>
public sealed class StorageOptions
{
    /// <summary>Sqlite (default) or Postgres.</summary>
    public string Provider { get; set; } = "Sqlite";
}
