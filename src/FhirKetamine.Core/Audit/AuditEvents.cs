using System.Text;

using FhirKetamine.Core.Smart;

using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Audit;

/// <summary>
/// Builds the AuditEvent of an <see cref="AuditRecord"/>, shaped after IHE BALP (Basic Audit Log Patterns):
/// type <c>rest</c> with the RESTful interaction as subtype; agents for the client (source role, its client id
/// and IP address), the user (<c>fhirUser</c>) when there is one, and this server (destination role); entities
/// for each resource, the patient, a search's query and the request id; the outcome from the HTTP status.
/// </summary>
public static class AuditEvents
{
    public const string ServerName = "FhirKetamine";

    public static AuditEvent Build(AuditRecord record)
    {
        var audit = new AuditEvent
        {
            Type = AuditCodes.RestType,
            Subtype = [new Coding(AuditCodes.RestfulInteraction, record.Subtype)],
            Action = record.Action,
            Recorded = record.Recorded,
            Outcome = record.Status switch
            {
                < 400 => AuditEvent.AuditEventOutcome.N0,
                < 500 => AuditEvent.AuditEventOutcome.N4,
                _ => AuditEvent.AuditEventOutcome.N8,
            },
            OutcomeDesc = record.Description ?? $"HTTP {record.Status}",
            Source = new AuditEvent.SourceComponent
            {
                Observer = new ResourceReference { Display = ServerName, Identifier = new Identifier("urn:ietf:rfc:3986", record.BaseUrl) },
                Type = [AuditCodes.ApplicationServer],
            },
        };
        audit.Agent.AddRange(Agents(record.Access, record.BaseUrl));

        var patients = record.Patients.Distinct(StringComparer.Ordinal).ToList();
        foreach (var reference in record.Resources.Distinct(StringComparer.Ordinal))
        {
            var patient = PatientReferences.PatientId(reference);
            if (patient is not null)
            {
                patients.Remove(patient);
            }

            audit.Entity.Add(new AuditEvent.EntityComponent
            {
                What = new ResourceReference(reference),
                Type = patient is null ? AuditCodes.SystemObjectEntity : AuditCodes.PersonEntity,
                Role = patient is null ? AuditCodes.DomainResourceRole : AuditCodes.PatientRole,
            });
        }

        foreach (var patient in patients)
        {
            audit.Entity.Add(new AuditEvent.EntityComponent
            {
                What = new ResourceReference("Patient/" + patient),
                Type = AuditCodes.PersonEntity,
                Role = AuditCodes.PatientRole,
            });
        }

        if (record.Query is { } query)
        {
            audit.Entity.Add(new AuditEvent.EntityComponent
            {
                Type = AuditCodes.SystemObjectEntity,
                Role = AuditCodes.QueryRole,
                Query = Encoding.UTF8.GetBytes(query),
                Description = query,
            });
        }

        if (record.Access.Origin is { } origin)
        {
            audit.Entity.Add(new AuditEvent.EntityComponent
            {
                What = new ResourceReference { Identifier = AuditCodes.RequestId(origin.RequestId) },
                Type = AuditCodes.SystemObjectEntity,
            });
        }

        return audit;
    }

    private static IEnumerable<AuditEvent.AgentComponent> Agents(SmartAccess access, string baseUrl)
    {
        var client = new AuditEvent.AgentComponent
        {
            Type = new CodeableConcept { Coding = [AuditCodes.SourceRole] },
            Who = ClientReference(access),
            Name = access.ClientId,
            Requestor = access.FhirUser is null,
        };
        if (access.Origin?.Address is { } address)
        {
            client.Network = new AuditEvent.NetworkComponent { Address = address, Type = AuditEvent.AuditEventAgentNetworkType.N2 };
        }

        yield return client;
        if (access.FhirUser is { } user)
        {
            yield return new AuditEvent.AgentComponent
            {
                Type = new CodeableConcept { Coding = [AuditCodes.HumanUser] },
                Who = new ResourceReference(user),
                Requestor = true,
            };
        }

        yield return new AuditEvent.AgentComponent
        {
            Type = new CodeableConcept { Coding = [AuditCodes.DestinationRole] },
            // Software is a Device in FHIR (as the SMART clients are): typed, it is not taken for a patient by AuditEvent.patient.
            Who = new ResourceReference { Type = "Device", Display = ServerName, Identifier = new Identifier("urn:ietf:rfc:3986", baseUrl) },
            Requestor = false,
            Network = new AuditEvent.NetworkComponent { Address = baseUrl, Type = AuditEvent.AuditEventAgentNetworkType.N5 },
        };
    }

    /// <summary>
    /// The SMART client as a logical reference to the software (a Device) by its client id; a caller without
    /// a token (a refused request, or <c>Auth:Mode=Disabled</c>) is named as such, and a write with no HTTP request
    /// behind it (the IG package loaded at start) names the server.
    /// </summary>
    public static ResourceReference ClientReference(SmartAccess access) => (access.ClientId, access.Origin) switch
    {
        ({ } clientId, _) => new ResourceReference { Type = "Device", Identifier = new Identifier(AuditCodes.ClientIdSystem, clientId), Display = $"SMART client {clientId}" },
        (null, null) => new ResourceReference { Display = $"{ServerName} itself (no client request)" },
        _ => new ResourceReference { Display = "caller without an access token" },
    };
}
