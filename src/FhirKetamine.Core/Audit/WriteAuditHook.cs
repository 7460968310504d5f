using System.Globalization;
using System.Net;

using FhirKetamine.Core.Rest;

using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Audit;

/// <summary>
/// Accountability for every stored write, inside the write's own transaction (so neither exists without the
/// other): a Provenance naming the new version, who wrote it and how, and an AuditEvent of the interaction.
/// Writes of Bundle entries share the request id (Provenance entity, AuditEvent entity), which ties them to
/// their batch or transaction. A transaction Bundle's writes are accounted for together just before it commits: per
/// patient, one AuditEvent per kind of interaction (all its creates, all its updates…) and one Provenance per activity
/// and performing device, each naming every version written — a 50-entry transaction of one patient's vital signs gets
/// two resources of audit, not a hundred.
/// </summary>
public sealed class WriteAuditHook : IPreparingWriteHook, ITransactionWriteHook
{
    public async Task AfterWriteAsync(WriteEvent write, CancellationToken ct)
    {
        if (write.Transaction is { } transaction)
        {
            transaction.Keep(this, write);
            return;
        }

        if (write.Prepared is { } ready)
        {
            // Built, serialised and indexed on the request thread (a create through the group-commit writer).
            await write.Rest.CreatePreparedInCurrentTransactionAsync(ready, ct);
        }
        else
        {
            foreach (var resource in ResourcesFor(write.Request, write.Written, write.Method))
            {
                await write.Rest.CreateInCurrentTransactionAsync(resource, ct);
            }
        }

        write.Request.Access.Origin?.WriteAudited();
    }

    public async Task BeforeTransactionCommitAsync(ResourceInteractions rest, TransactionWrites transaction, CancellationToken ct)
    {
        var writes = transaction.KeptBy(this);
        if (writes.Count == 0)
        {
            return;
        }

        foreach (var resource in ResourcesFor(writes.Select(w => Describe(w.Request, w.Written, w.Method)).ToList()))
        {
            await rest.CreateInCurrentTransactionAsync(resource, ct);
        }

        foreach (var write in writes)
        {
            write.Request.Access.Origin?.WriteAudited();
        }
    }

    /// <summary>It reads nothing: what it writes follows from the request and the written version.</summary>
    public ValueTask<bool> ReadsOthersOfItsTypeAsync(FhirRequest request, Resource resource, CancellationToken ct) => ValueTask.FromResult(false);

    /// <summary>The Provenance and the AuditEvent of one stored write: from the request and the written version alone.</summary>
    public IReadOnlyList<Resource> ResourcesFor(FhirRequest request, FhirResponse written, string method) =>
        ResourcesFor([Describe(request, written, method)]);

    /// <summary>One stored write as its audit names it.</summary>
    private sealed record Write(FhirRequest Request, FhirResponse Written, string Reference, string Activity, string Subtype,
        AuditEvent.AuditEventAction Action, DateTimeOffset Recorded, string? Patient);

    private static Write Describe(FhirRequest request, FhirResponse written, string method)
    {
        var created = written.Status == HttpStatusCode.Created;
        var interaction = method switch
        {
            "POST" => Interaction.Create, // also a transaction's create whose id was assigned up front
            "PUT" => Interaction.Update,
            "PATCH" => Interaction.Patch,
            _ => Interaction.Delete,
        };
        var (subtype, action) = AuditLog.Describe(interaction, createdByUpdate: created);
        return new Write(
            request,
            written,
            $"{written.ResourceType}/{written.Id}/_history/{written.VersionId?.ToString(CultureInfo.InvariantCulture)}",
            method == "DELETE" ? "DELETE" : created ? "CREATE" : "UPDATE",
            subtype,
            action,
            new DateTimeOffset(written.LastUpdated ?? DateTime.UtcNow, TimeSpan.Zero),
            PatientReferences.Of(written.Resource) ?? (written.ResourceType == "Patient" ? written.Id : null));
    }

    /// <summary>
    /// The Provenances and AuditEvents of writes made by one request (a single write, or a transaction's): one Provenance
    /// per patient, activity and performing device, one AuditEvent per patient and kind of interaction, each naming all of
    /// its writes. Never one for two patients' data: a Provenance is in the Patient compartment of each patient it
    /// targets, and a patient's record must not list another's resources.
    /// </summary>
    private static List<Resource> ResourcesFor(IReadOnlyList<Write> writes)
    {
        var request = writes[0].Request;
        var resources = new List<Resource>();
        foreach (var group in writes.GroupBy(w => (w.Patient, w.Activity, Device: PerformingDevice(w.Written))))
        {
            resources.Add(Provenance(request.Access, group.Select(w => w.Written).ToList(), group.Key.Activity, group.Max(w => w.Recorded)));
        }

        foreach (var group in writes.GroupBy(w => (w.Patient, w.Subtype, w.Action)))
        {
            resources.Add(AuditEvents.Build(new AuditRecord(request.Access, group.Key.Subtype, group.Key.Action, (int)group.First().Written.Status)
            {
                Recorded = group.Max(w => w.Recorded),
                Resources = group.Select(w => w.Reference).ToList(),
                Patients = group.Key.Patient is { } patient ? [patient] : [],
                BaseUrl = request.BaseUrl,
            }));
        }

        return resources;
    }

    /// <summary>A gateway's reading names the monitor that measured it (<c>Observation.device = Device/…</c>): that Device performed it.</summary>
    private static string? PerformingDevice(FhirResponse written) =>
        written.Resource is Observation { Device.Reference: { } device } && device.StartsWith("Device/", StringComparison.Ordinal) ? device : null;

    /// <summary>
    /// The Provenance of stored versions (<paramref name="written"/>: one, or a transaction's with one activity and one
    /// performing device) written by <paramref name="access"/>'s caller.
    /// </summary>
    internal static Provenance Provenance(Smart.SmartAccess access, IReadOnlyList<FhirResponse> written, string activity, DateTimeOffset recorded)
    {
        var provenance = new Provenance
        {
            Target = written.Select(w => new ResourceReference($"{w.ResourceType}/{w.Id}/_history/{w.VersionId?.ToString(CultureInfo.InvariantCulture)}")).ToList(),
            Recorded = recorded,
            Activity = AuditCodes.Activity(activity),
        };
        if (access.FhirUser is { } user)
        {
            provenance.Agent.Add(new Provenance.AgentComponent { Type = AuditCodes.Participant("author"), Who = new ResourceReference(user) });
        }

        provenance.Agent.Add(new Provenance.AgentComponent
        {
            Type = AuditCodes.Participant(access.FhirUser is null ? "author" : "enterer"),
            Who = AuditEvents.ClientReference(access),
        });

        if (PerformingDevice(written[0]) is { } device)
        {
            provenance.Agent.Add(new Provenance.AgentComponent { Type = AuditCodes.Participant("performer"), Who = new ResourceReference(device) });
        }

        if (activity != "CREATE")
        {
            foreach (var w in written)
            {
                if (w.VersionId is > 1 and var version)
                {
                    provenance.Entity.Add(new Provenance.EntityComponent
                    {
                        Role = global::Hl7.Fhir.Model.Provenance.ProvenanceEntityRole.Revision,
                        What = new ResourceReference($"{w.ResourceType}/{w.Id}/_history/{(version - 1).ToString(CultureInfo.InvariantCulture)}"),
                    });
                }
            }
        }

        if (access.Origin is { } origin)
        {
            provenance.Entity.Add(new Provenance.EntityComponent
            {
                Role = global::Hl7.Fhir.Model.Provenance.ProvenanceEntityRole.Source,
                What = new ResourceReference { Identifier = AuditCodes.RequestId(origin.RequestId), Display = "the HTTP request (one batch or transaction Bundle for all its entries)" },
            });
        }

        return provenance;
    }
}
