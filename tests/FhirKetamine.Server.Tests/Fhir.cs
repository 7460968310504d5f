using System.Net.Http.Headers;
using System.Text;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace FhirKetamine.Server.Tests;

/// <summary>Small helpers to send and read FHIR JSON in tests, through the Firely SDK.</summary>
public static class Fhir
{
    private static readonly FhirJsonDeserializer Parser = new(new DeserializerSettings().UsingMode(DeserializationMode.Recoverable));
    private static readonly BaseFhirJsonSerializer Writer = new(ModelInfo.ModelInspector);

    public static StringContent Json(Resource resource) => Json(ToJson(resource));

    public static StringContent Json(string json, string mediaType = "application/fhir+json")
    {
        var content = new StringContent(json, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return content;
    }

    public static string ToJson(Resource resource)
    {
        using var buffer = new MemoryStream();
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            Writer.Serialize(resource, writer);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static async Task<T> ReadAsync<T>(this HttpResponseMessage response)
        where T : Resource
    {
        var text = await response.Content.ReadAsStringAsync();
        var resource = Parser.DeserializeResource(text);
        return resource as T ?? throw new InvalidOperationException($"Expected {typeof(T).Name}, got {resource.TypeName}: {text}");
    }

    public static async Task<T> CreateAsync<T>(this HttpClient client, T resource)
        where T : Resource
    {
        var response = await client.PostAsync(resource.TypeName, Json(resource));
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Create failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        return await response.ReadAsync<T>();
    }

    public static Patient Patient(string family = "Rivera", string? mrn = null) => new()
    {
        Name = [new HumanName { Family = family, Given = ["Ana"] }],
        Identifier = mrn is null ? [] : [new Identifier("urn:oid:1.2.36.146.595.217.0.1", mrn)],
        Gender = AdministrativeGender.Female,
        BirthDate = "1980-04-02",
    };

    /// <summary>A heart-rate vital sign (LOINC 8867-4) as a bedside gateway posts it.</summary>
    public static Observation HeartRate(string patientId, string effective, decimal bpm, string? deviceReading = null) => new()
    {
        Status = ObservationStatus.Final,
        Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs")],
        Code = new CodeableConcept("http://loinc.org", "8867-4", "Heart rate"),
        Subject = new ResourceReference($"Patient/{patientId}"),
        Effective = new FhirDateTime(effective),
        Value = new Quantity { Value = bpm, Unit = "/min", System = "http://unitsofmeasure.org", Code = "/min" },
        Identifier = deviceReading is null ? [] : [new Identifier("urn:gateway:chair-3", deviceReading)],
    };

    /// <summary>A small profile on Patient, as a clinic would post one: <c>address</c> becomes required.</summary>
    public static StructureDefinition PatientProfileRequiringAddress(string id, string url) => new()
    {
        Id = id,
        Url = url,
        Name = "PatientWithAddress",
        Status = PublicationStatus.Active,
        FhirVersion = FHIRVersion.N4_0_1,
        Kind = StructureDefinition.StructureDefinitionKind.Resource,
        Abstract = false,
        Type = "Patient",
        BaseDefinition = "http://hl7.org/fhir/StructureDefinition/Patient",
        Derivation = StructureDefinition.TypeDerivationRule.Constraint,
        Differential = new StructureDefinition.DifferentialComponent { Element = [new ElementDefinition("Patient.address") { ElementId = "Patient.address", Min = 1 }] },
    };
}
