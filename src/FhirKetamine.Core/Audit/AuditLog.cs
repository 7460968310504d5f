using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Storage;

using Hl7.Fhir.Model;

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FhirKetamine.Core.Audit;

/// <summary>
/// Stores the AuditEvent of a read, search, operation or refused request before its response is sent, so an
/// answered request is never unaudited. With group commit (the default) the event joins the writer's next
/// group: many audits share one transaction and one fsync with the writes of the moment, and the request
/// waits only for that commit; without it, each event has its own transaction.
/// <para>
/// Writes are audited by <see cref="WriteAuditHook"/> inside their own transaction instead.
/// </para>
/// </summary>
public sealed class AuditLog(GroupCommitWriter writer, IOptions<GroupCommitOptions> groupCommit, IServiceScopeFactory scopes, TimeProvider clock)
{
    public TimeProvider Clock => clock;

    /// <summary>Stores the event; returns after its commit. Not cancellable: a request that was answered is audited.</summary>
    public async Task RecordAsync(AuditRecord record)
    {
        var audit = AuditEvents.Build(record);
        if (groupCommit.Value.Enabled)
        {
            await writer.SubmitAsync(new WriteJob((rest, ct) => rest.CreateInCurrentTransactionAsync(audit, ct)));
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        var rest = scope.ServiceProvider.GetRequiredService<ResourceInteractions>();
        await rest.InTransactionAsync(null, () => rest.CreateInCurrentTransactionAsync(audit, CancellationToken.None), CancellationToken.None);
    }

    /// <summary>Stores an event inside the transaction of a write (the write hook's path).</summary>
    internal static Task<FhirResponse> RecordInTransactionAsync(ResourceInteractions rest, AuditRecord record, CancellationToken ct) =>
        rest.CreateInCurrentTransactionAsync(AuditEvents.Build(record), ct);

    /// <summary>The RESTful interaction code (subtype) and the action of each interaction.</summary>
    public static (string Subtype, AuditEvent.AuditEventAction Action) Describe(Interaction interaction, bool createdByUpdate = false) => interaction switch
    {
        Interaction.Read => ("read", AuditEvent.AuditEventAction.R),
        Interaction.VRead => ("vread", AuditEvent.AuditEventAction.R),
        Interaction.Create => ("create", AuditEvent.AuditEventAction.C),
        Interaction.Update => ("update", createdByUpdate ? AuditEvent.AuditEventAction.C : AuditEvent.AuditEventAction.U),
        Interaction.Patch => ("patch", AuditEvent.AuditEventAction.U),
        Interaction.Delete => ("delete", AuditEvent.AuditEventAction.D),
        Interaction.HistoryInstance => ("history-instance", AuditEvent.AuditEventAction.R),
        Interaction.HistoryType => ("history-type", AuditEvent.AuditEventAction.R),
        Interaction.HistorySystem => ("history-system", AuditEvent.AuditEventAction.R),
        Interaction.SearchType => ("search-type", AuditEvent.AuditEventAction.E),
        Interaction.SearchSystem => ("search-system", AuditEvent.AuditEventAction.E),
        Interaction.Batch => ("batch", AuditEvent.AuditEventAction.E),
        Interaction.Transaction => ("transaction", AuditEvent.AuditEventAction.E),
        Interaction.Capabilities => ("capabilities", AuditEvent.AuditEventAction.R),
        _ => ("operation", AuditEvent.AuditEventAction.E),
    };
}
