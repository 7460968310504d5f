using System.Globalization;
using System.Net;

using FhirKetamine.Core.Rest;

using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Audit;

/// <summary>
/// Accountability for every stored write, inside the write's own transaction (so neither exists without the
/// other): a Provenance naming the new version, who wrote it and how, and an AuditEvent of the interaction.
/// Writes of Bundle entries share the request id (Provenance entity, AuditEvent entity), which ties them to
/// their batch or transaction.
/// </summary>
public sealed class WriteAuditHook : IPreparingWriteHook
{
    public async Task AfterWriteAsync(WriteEvent write, CancellationToken ct)
    {
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

    /// <summary>It reads nothing: what it writes follows from the request and the written version.</summary>
    public ValueTask<bool> ReadsOthersOfItsTypeAsync(FhirRequest request, Resource resource, CancellationToken ct) => ValueTask.FromResult(false);

    /// <summary>The Provenance and the AuditEvent of one stored write: from the request and the written version alone.</summary>
    public IReadOnlyList<Resource> ResourcesFor(FhirRequest request, FhirResponse written, string method)
    {
        var access = request.Access;
        var reference = $"{written.ResourceType}/{written.Id}/_history/{written.VersionId?.ToString(CultureInfo.InvariantCulture)}";
        var created = written.Status == HttpStatusCode.Created;
        var activity = method == "DELETE" ? "DELETE" : created ? "CREATE" : "UPDATE";
        var recorded = new DateTimeOffset(written.LastUpdated ?? DateTime.UtcNow, TimeSpan.Zero);

        var interaction = method switch
        {
            "POST" => Interaction.Create, // also a transaction's create whose id was assigned up front
            "PUT" => Interaction.Update,
            "PATCH" => Interaction.Patch,
            _ => Interaction.Delete,
        };
        var (subtype, action) = AuditLog.Describe(interaction, createdByUpdate: created);
        var patient = PatientReferences.Of(written.Resource) ?? (written.ResourceType == "Patient" ? written.Id : null);
        return
        [
            Provenance(access, written, reference, activity, recorded),
            AuditEvents.Build(new AuditRecord(access, subtype, action, (int)written.Status)
            {
                Recorded = recorded,
                Resources = [reference],
                Patients = patient is null ? [] : [patient],
                BaseUrl = request.BaseUrl,
            }),
        ];
    }

    /// <summary>The Provenance of one stored version (<paramref name="target"/>) written by <paramref name="access"/>'s caller.</summary>
    internal static Provenance Provenance(Smart.SmartAccess access, FhirResponse written, string target, string activity, DateTimeOffset recorded)
    {
        var provenance = new Provenance
        {
            Target = [new ResourceReference(target)],
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

        // A gateway's reading names the monitor that measured it: that Device performed it.
        if (written.Resource is Observation { Device.Reference: { } device } && device.StartsWith("Device/", StringComparison.Ordinal))
        {
            provenance.Agent.Add(new Provenance.AgentComponent { Type = AuditCodes.Participant("performer"), Who = new ResourceReference(device) });
        }

        if (activity != "CREATE" && written.VersionId is > 1 and var version)
        {
            provenance.Entity.Add(new Provenance.EntityComponent
            {
                Role = global::Hl7.Fhir.Model.Provenance.ProvenanceEntityRole.Revision,
                What = new ResourceReference($"{written.ResourceType}/{written.Id}/_history/{(version - 1).ToString(CultureInfo.InvariantCulture)}"),
            });
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
