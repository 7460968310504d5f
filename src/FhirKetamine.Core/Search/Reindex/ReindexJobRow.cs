namespace FhirKetamine.Core.Search.Reindex;

/// <summary>
/// One <c>$reindex</c> job, kept in the database like an export job (same claim-by-lease pattern, its own table
/// because it has none of an export's files, manifest or scopes). <see cref="LastKey"/> and <see cref="Done"/> move
/// forward in the transaction of each chunk they count, so a job taken over after its worker died goes on from the
/// last committed chunk rather than from the start.
/// </summary>
public sealed class ReindexJobRow
{
    public required string Id { get; set; }

    /// <summary>One of <see cref="ReindexStatus"/>.</summary>
    public required string Status { get; set; }

    /// <summary>The resource type, or <c>*</c> for every type (system level).</summary>
    public required string Scope { get; set; }

    /// <summary>
    /// <see cref="Scope"/> while the job is queued or running, null once it ended. Unique: a second kick-off for the
    /// same scope while one is active cannot insert a row, and is answered with the active job instead.
    /// </summary>
    public string? ActiveScope { get; set; }

    /// <summary>The current (not deleted) resources of the scope at kick-off.</summary>
    public long Total { get; set; }

    /// <summary>Resources reindexed so far (resources created after kick-off may push it above <see cref="Total"/>).</summary>
    public long Done { get; set; }

    /// <summary>The highest resource key reindexed: the next chunk starts after it (keyset order).</summary>
    public long LastKey { get; set; }

    public int Attempt { get; set; }

    public string? Owner { get; set; }

    public DateTime? LeaseExpiresUtc { get; set; }

    /// <summary>The client that started it (null when auth is off).</summary>
    public string? ClientId { get; set; }

    /// <summary>An OperationOutcome (JSON) when the job failed.</summary>
    public string? Error { get; set; }

    public DateTime CreatedUtc { get; set; }

    public DateTime? CompletedUtc { get; set; }
}

/// <summary>The states of a <see cref="ReindexJobRow"/>.</summary>
public static class ReindexStatus
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Failed = "failed";
}
