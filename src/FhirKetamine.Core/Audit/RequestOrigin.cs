namespace FhirKetamine.Core.Audit;

/// <summary>
/// Where one HTTP request came from, carried with its caller's <see cref="Smart.SmartAccess"/> to every write it
/// causes (Bundle entries and group-commit jobs included): the network address and the request id that the
/// AuditEvents and Provenances of the request share. Counts the writes whose audit the write hook already
/// stored, so the HTTP layer does not record them twice.
/// </summary>
public sealed class RequestOrigin(string? address, string requestId)
{
    private int _auditedWrites;
    private int _commits;

    /// <summary>The client's IP address as the server saw it (behind a proxy: the proxy's, unless forwarded headers are configured).</summary>
    public string? Address { get; } = address;

    /// <summary>The request id (the server's trace identifier): one value for all writes of one Bundle.</summary>
    public string RequestId { get; } = requestId;

    /// <summary>Writes of this request audited inside their own transaction by <see cref="WriteAuditHook"/>.</summary>
    public int AuditedWrites => Volatile.Read(ref _auditedWrites);

    internal void WriteAudited() => Interlocked.Increment(ref _auditedWrites);

    /// <summary>
    /// True once a write of this request has committed. From then on no error may tell the client that nothing was
    /// stored or invite a blind retry: the HTTP layer answers what really happened (<c>OperationOutcomeExceptionHandler</c>).
    /// </summary>
    public bool Committed => Commits > 0;

    /// <summary>Commits that held audited writes of this request (a batch has one per entry outside the group-commit writer).</summary>
    public int Commits => Volatile.Read(ref _commits);

    /// <summary>Called by whoever committed a transaction holding audited writes of this request.</summary>
    internal void WritesCommitted() => Interlocked.Increment(ref _commits);
}
