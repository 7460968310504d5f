using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Rest;

/// <summary>
/// Runs after every stored write — create, update, patch, delete, their conditional forms, each entry of a
/// batch or transaction Bundle, single or through the group-commit writer — inside the write's database
/// transaction, so whatever a hook adds (a Provenance, an AuditEvent, a Flag, an outbox row) commits with
/// the write or not at all. Throwing a <see cref="FhirException"/> fails that write alone (a transaction
/// Bundle whole). The place for Provenance, write audits, safety rules and subscription notifications.
/// <para>
/// Resources a hook writes through <see cref="WriteEvent.Rest"/> do not run the hooks again (no Provenance of
/// a Provenance); a hook that wants its own writes recorded does that itself. A write that stored nothing
/// (a conditional create that matched, a delete of a deleted resource) runs no hook.
/// </para>
/// </summary>
public interface IWriteHook
{
    Task AfterWriteAsync(WriteEvent write, CancellationToken ct);

    /// <summary>
    /// Whether this hook's work for a create of <paramref name="resource"/> may read other stored resources of the same
    /// type (anything beyond the written resource's own rows). The group-commit writer stores a run of creates of one
    /// type with one SaveChanges and then runs each create's hooks in turn only when every hook answers false for each:
    /// the hooks of one create then already find the later creates of the run stored, which this promises changes
    /// nothing. True (the default, always safe): such a create is stored and hooked on its own, after the ones before it.
    /// </summary>
    ValueTask<bool> ReadsOthersOfItsTypeAsync(FhirRequest request, Resource resource, CancellationToken ct) => ValueTask.FromResult(true);
}

/// <summary>One stored write, as the hooks see it.</summary>
public sealed class WriteEvent(ResourceInteractions rest, FhirRequest request, FhirResponse written, string method)
{
    /// <summary>The interactions of the writing scope: its database context and open transaction.</summary>
    public ResourceInteractions Rest { get; } = rest;

    /// <summary>The request that caused the write: the caller's access (client, user, scopes), the interaction.</summary>
    public FhirRequest Request { get; } = request;

    /// <summary>Type, id, version and time of the new version; <see cref="FhirResponse.Resource"/> is null for a delete.</summary>
    public FhirResponse Written { get; } = written;

    /// <summary>
    /// True when another hook made this write (shown only to <see cref="IObservesHookWrites"/> hooks);
    /// <see cref="Request"/> is then the request whose write ran that hook.
    /// </summary>
    public bool ByHook { get; init; }

    /// <summary>POST, PUT, PATCH or DELETE, as stored in the version row.</summary>
    public string Method { get; } = method;

    /// <summary>
    /// For an <see cref="IPreparingWriteHook"/> on a create prepared for the group-commit writer: the resources it
    /// asked for on the request thread, ready to insert (id, JSON, index rows); null otherwise (the hook builds them now).
    /// </summary>
    public IReadOnlyList<Storage.PreparedCreate>? Prepared { get; internal set; }

    /// <summary>Set when the write is an entry of a transaction Bundle: see <see cref="ITransactionWriteHook"/>.</summary>
    public TransactionWrites? Transaction { get; init; }

    /// <summary>Issues a hook reports to the caller (e.g. a safety rule's warning); they join the response's OperationOutcome.</summary>
    public List<OperationOutcome.IssueComponent> Issues { get; } = [];
}

/// <summary>
/// An <see cref="IWriteHook"/> whose writes for a create follow from the request and the prepared resource alone (no
/// database state): a Provenance, an AuditEvent. For a create prepared for the group-commit writer the server asks it
/// for those resources on the request thread, serialises them and extracts their index rows there, and the hook finds
/// them in <see cref="WriteEvent.Prepared"/> when the create is stored (not when a conditional create matched), so
/// the one writer thread only inserts them, with the create's own SaveChanges (the hook then just reports them). They
/// must be exactly what <see cref="IWriteHook.AfterWriteAsync"/> would write for that <c>written</c> (its status Created,
/// version 1, the prepared id and time).
/// </summary>
public interface IPreparingWriteHook : IWriteHook
{
    IReadOnlyList<Resource> ResourcesFor(FhirRequest request, FhirResponse written, string method);
}

/// <summary>
/// Runs on a validated create or update before it is stored (on the request's thread, before the group-commit
/// writer), and may complete the resource: e.g. link a gateway's reading to the infusion session it was taken
/// in. It must only add what the profiles allow, since the resource was validated as sent. Entries of a batch
/// are prepared in parallel on one ResourceInteractions: outside a transaction a preparer must not use its
/// database context (inside one — a transaction Bundle, entries in turn — it should, to see earlier entries). A
/// transaction prepares a run of new resources of one type entry by entry before it stores any of them, so a preparer
/// reads only resources of other types than the one it completes (the session linker: Devices, Encounters and
/// Procedures, for an Observation).
/// </summary>
public interface IWritePreparer
{
    Task PrepareAsync(ResourceInteractions rest, FhirRequest request, Resource resource, CancellationToken ct);
}

/// <summary>
/// An <see cref="IWriteHook"/> that accounts for the writes of one transaction Bundle together. Inside a transaction its
/// <see cref="IWriteHook.AfterWriteAsync"/> sees each entry's write with <see cref="WriteEvent.Transaction"/> set and may
/// <see cref="TransactionWrites.Keep">keep</see> it; <see cref="BeforeTransactionCommitAsync"/> then runs once, after the
/// last entry, in the same database transaction (so what it writes still commits with the entries or not at all). An
/// <see cref="IPreparingWriteHook"/> is not asked to prepare anything for such writes. The audit hook writes, per patient,
/// one AuditEvent per kind of interaction and one Provenance per activity and performer for the whole Bundle, instead of
/// two resources per entry.
/// </summary>
public interface ITransactionWriteHook : IWriteHook
{
    Task BeforeTransactionCommitAsync(ResourceInteractions rest, TransactionWrites transaction, CancellationToken ct);
}

/// <summary>The writes of one transaction Bundle that <see cref="ITransactionWriteHook"/>s keep until just before it commits.</summary>
public sealed class TransactionWrites
{
    private readonly Dictionary<ITransactionWriteHook, List<WriteEvent>> _kept = [];

    /// <summary>Keeps <paramref name="write"/> for <paramref name="hook"/>'s <see cref="ITransactionWriteHook.BeforeTransactionCommitAsync"/>.</summary>
    public void Keep(ITransactionWriteHook hook, WriteEvent write)
    {
        if (!_kept.TryGetValue(hook, out var writes))
        {
            _kept[hook] = writes = [];
        }

        writes.Add(write);
    }

    /// <summary>What <paramref name="hook"/> kept, in entry order.</summary>
    public IReadOnlyList<WriteEvent> KeptBy(ITransactionWriteHook hook) => _kept.TryGetValue(hook, out var writes) ? writes : [];

    /// <summary>The request of the first write kept (for the hooks that observe hook writes: the caller whose scopes apply).</summary>
    internal FhirRequest? FirstRequest => _kept.Values.SelectMany(w => w).FirstOrDefault()?.Request;
}
