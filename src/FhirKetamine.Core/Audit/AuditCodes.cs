using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Audit;

/// <summary>
/// The code systems and codes of the AuditEvents (IHE Basic Audit Log Patterns, BALP, where they fit) and
/// Provenances this server writes, in one place.
/// </summary>
public static class AuditCodes
{
    /// <summary>The identifier system of a SMART client id (an agent's <c>who.identifier</c>).</summary>
    public const string ClientIdSystem = "http://fhir-ketamine.org/fhir/sid/smart-client-id";

    /// <summary>The identifier system of a request id: every AuditEvent and Provenance of one HTTP request (one Bundle) shares it.</summary>
    public const string RequestIdSystem = "http://fhir-ketamine.org/fhir/sid/request-id";

    public const string RestfulInteraction = "http://hl7.org/fhir/restful-interaction";

    public static Coding RestType { get; } = new("http://terminology.hl7.org/CodeSystem/audit-event-type", "rest", "RESTful Operation");

    /// <summary>BALP's participant types: the client (source role), the server (destination role), the person.</summary>
    public static Coding SourceRole { get; } = new("http://dicom.nema.org/resources/ontology/DCM", "110153", "Source Role ID");

    public static Coding DestinationRole { get; } = new("http://dicom.nema.org/resources/ontology/DCM", "110152", "Destination Role ID");

    public static Coding HumanUser { get; } = new("http://terminology.hl7.org/CodeSystem/extra-security-role-type", "humanuser", "human user");

    public static Coding ApplicationServer { get; } = new("http://terminology.hl7.org/CodeSystem/security-source-type", "4", "Application Server");

    public static Coding PersonEntity { get; } = new("http://terminology.hl7.org/CodeSystem/audit-entity-type", "1", "Person");

    public static Coding SystemObjectEntity { get; } = new("http://terminology.hl7.org/CodeSystem/audit-entity-type", "2", "System Object");

    public static Coding PatientRole { get; } = new("http://terminology.hl7.org/CodeSystem/object-role", "1", "Patient");

    public static Coding DomainResourceRole { get; } = new("http://terminology.hl7.org/CodeSystem/object-role", "4", "Domain Resource");

    public static Coding QueryRole { get; } = new("http://terminology.hl7.org/CodeSystem/object-role", "24", "Query");

    /// <summary>BALP's entity type of the X-Request-Id that ties the events of one request together.</summary>
    public static CodeableConcept RequestIdType { get; } = new("https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType", "XrequestId", "X-Request-Id");

    private const string DataOperation = "http://terminology.hl7.org/CodeSystem/v3-DataOperation";

    private const string ParticipantType = "http://terminology.hl7.org/CodeSystem/provenance-participant-type";

    public static CodeableConcept Activity(string code) => new(DataOperation, code, code switch
    {
        "CREATE" => "create",
        "UPDATE" => "revise",
        _ => "delete",
    });

    public static CodeableConcept Participant(string code) => new(ParticipantType, code, code switch
    {
        "author" => "Author",
        "enterer" => "Enterer",
        _ => "Performer",
    });

    public static Identifier RequestId(string requestId) => new(RequestIdSystem, requestId) { Type = RequestIdType };
}
