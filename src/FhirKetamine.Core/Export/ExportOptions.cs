namespace FhirKetamine.Core.Export;

/// <summary><c>Export:*</c> configuration of Bulk Data export.</summary>
public sealed class ExportOptions
{
    /// <summary>Jobs that run at once in this process; the others wait in the queue.</summary>
    public int MaxConcurrentJobs { get; set; } = 2;

    /// <summary>Where the NDJSON files are written; empty: <c>export/</c> next to the SQLite file (or under the content root's <c>data/</c>).</summary>
    public string? Directory { get; set; }

    /// <summary>How long a finished job's files stay downloadable.</summary>
    public double RetentionHours { get; set; } = 24;

    /// <summary>Resources read from the database per query (keyset paging).</summary>
    public int PageSize { get; set; } = 2000;

    /// <summary>A pause after each page, to leave the database to ingest on a busy server (0: none).</summary>
    public int PauseBetweenPagesMs { get; set; }

    /// <summary>How long a claimed job stays with its worker without a heartbeat before another worker redoes it.</summary>
    public int LeaseSeconds { get; set; } = 60;

    /// <summary>How often the worker looks for queued jobs and expired files when nothing wakes it.</summary>
    public int PollSeconds { get; set; } = 5;

    /// <summary>The Retry-After the status endpoint suggests while a job runs.</summary>
    public int RetryAfterSeconds { get; set; } = 2;
}