namespace FhirKetamine.Core.Export;

/// <summary>The states of an <see cref="ExportJobRow"/>.</summary>
public static class ExportStatus
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";
}