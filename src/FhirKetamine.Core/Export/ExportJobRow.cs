namespace FhirKetamine.Core.Export;

/// <summary>
/// One Bulk Data <c>$export</c> job, kept in the database so that it outlives the process that accepted it.
/// A worker claims a job by writing its <see cref="Owner"/> and a lease; a job whose lease ran out (its
/// worker stopped or died) is claimed again and redone from scratch as attempt <see cref="Attempt"/> + 1.
/// The manifest is written in the same update that marks the job completed, so it is never partial.
/// </summary>
public sealed class ExportJobRow
{
    public required string Id { get; set; }

    /// <summary>One of <see cref="ExportStatus"/>.</summary>
    public required string Status { get; set; }

    /// <summary>system, patient or group.</summary>
    public required string Level { get; set; }

    public string? GroupId { get; set; }

    /// <summary>The requested <c>_type</c> list, comma-separated; null: every type the caller may read.</summary>
    public string? Types { get; set; }

    /// <summary>UTC; only versions changed after it are exported.</summary>
    public DateTime? Since { get; set; }

    /// <summary>The <c>_typeFilter</c> queries (<c>Type?query</c>), one a line.</summary>
    public string? TypeFilters { get; set; }

    /// <summary>The kick-off request URL, echoed as the manifest's <c>request</c>.</summary>
    public required string Request { get; set; }

    /// <summary>The FHIR base URL the client used, for the file URLs of the manifest.</summary>
    public required string BaseUrl { get; set; }

    /// <summary>The client that started the job: only it may poll, download or cancel (null when auth is off).</summary>
    public string? ClientId { get; set; }

    /// <summary>The scopes granted at kick-off, space-separated: they decide what is exported.</summary>
    public required string Scopes { get; set; }

    /// <summary>UTC, the kick-off; the export shows each resource as it was then.</summary>
    public DateTime TransactionTime { get; set; }

    /// <summary>The highest version sequence at kick-off: later versions are not exported.</summary>
    public long SnapshotSequence { get; set; }

    public int Attempt { get; set; }

    public string? Owner { get; set; }

    public DateTime? LeaseExpiresUtc { get; set; }

    /// <summary>What X-Progress says while the job runs.</summary>
    public string? Progress { get; set; }

    /// <summary>The completion manifest (JSON), set with the completed status.</summary>
    public string? Manifest { get; set; }

    /// <summary>An OperationOutcome (JSON) when the job failed.</summary>
    public string? Error { get; set; }

    public DateTime CreatedUtc { get; set; }

    public DateTime? CompletedUtc { get; set; }

    /// <summary>UTC; after it the job and its files are deleted.</summary>
    public DateTime? ExpiresUtc { get; set; }
}