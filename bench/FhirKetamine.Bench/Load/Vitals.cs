using System.Buffers;
using System.Text.Json;

namespace FhirKetamine.Bench.Load;

/// <summary>
/// Builds realistic vital-sign JSON (R4 core vital-signs profiles: category, LOINC code, UCUM
/// quantity, subject, effectiveDateTime, and the gateway's identifier) straight to UTF-8, so the
/// load client spends its share of the two cores on sending, not on a FHIR model.
/// </summary>
internal static class Vitals
{
    public const string Loinc = "http://loinc.org";
    public const string Ucum = "http://unitsofmeasure.org";
    public const string DeviceIdentifierSystem = "http://fhir-ketamine.org/fhir/sid/bench-gateway-reading";
    public const string HeartRateCode = "8867-4";

    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };

    public static byte[] Observation(VitalKind kind, string subject, DateTimeOffset at, string readingId, Random rng)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            WriteObservation(w, kind, subject, at, readingId, rng);
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] Patient(string family, string given, DateOnly birthDate)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            WritePatient(w, family, given, birthDate);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A transaction of POST entries with <c>urn:uuid:</c> fullUrls.</summary>
    public static byte[] Transaction(IReadOnlyList<Action<Utf8JsonWriter>> resources, IReadOnlyList<string> types, IReadOnlyList<Guid> fullUrls)
    {
        var buffer = new ArrayBufferWriter<byte>(resources.Count * 900);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("resourceType", "Bundle");
            w.WriteString("type", "transaction");
            w.WriteStartArray("entry");
            for (var i = 0; i < resources.Count; i++)
            {
                w.WriteStartObject();
                w.WriteString("fullUrl", "urn:uuid:" + fullUrls[i].ToString("D"));
                w.WritePropertyName("resource");
                resources[i](w);
                w.WriteStartObject("request");
                w.WriteString("method", "POST");
                w.WriteString("url", types[i]);
                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static void WritePatient(Utf8JsonWriter w, string family, string given, DateOnly birthDate) =>
        WritePatient(w, family, given, birthDate, null, null);

    /// <summary>A Patient, optionally with a managing organization and a general practitioner (for chained searches).</summary>
    public static void WritePatient(Utf8JsonWriter w, string family, string given, DateOnly birthDate, string? organization, string? generalPractitioner)
    {
        w.WriteStartObject();
        w.WriteString("resourceType", "Patient");
        w.WriteStartArray("identifier");
        w.WriteStartObject();
        w.WriteString("system", "http://fhir-ketamine.org/fhir/sid/bench-mrn");
        w.WriteString("value", $"{family}-{given}");
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteBoolean("active", true);
        w.WriteStartArray("name");
        w.WriteStartObject();
        w.WriteString("family", family);
        w.WriteStartArray("given");
        w.WriteStringValue(given);
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteString("gender", (birthDate.Day % 2) == 0 ? "female" : "male");
        w.WriteString("birthDate", birthDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        if (generalPractitioner is not null)
        {
            w.WriteStartArray("generalPractitioner");
            w.WriteStartObject();
            w.WriteString("reference", generalPractitioner);
            w.WriteEndObject();
            w.WriteEndArray();
        }

        if (organization is not null)
        {
            w.WriteStartObject("managingOrganization");
            w.WriteString("reference", organization);
            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    public static void WriteOrganization(Utf8JsonWriter w, string name)
    {
        w.WriteStartObject();
        w.WriteString("resourceType", "Organization");
        w.WriteBoolean("active", true);
        w.WriteString("name", name);
        w.WriteEndObject();
    }

    public static void WritePractitioner(Utf8JsonWriter w, string family, string given)
    {
        w.WriteStartObject();
        w.WriteString("resourceType", "Practitioner");
        w.WriteBoolean("active", true);
        w.WriteStartArray("name");
        w.WriteStartObject();
        w.WriteString("family", family);
        w.WriteStartArray("given");
        w.WriteStringValue(given);
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    }

    public static void WriteObservation(Utf8JsonWriter w, VitalKind kind, string subject, DateTimeOffset at, string readingId, Random rng)
    {
        w.WriteStartObject();
        w.WriteString("resourceType", "Observation");
        w.WriteStartArray("identifier");
        w.WriteStartObject();
        w.WriteString("system", DeviceIdentifierSystem);
        w.WriteString("value", readingId);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteString("status", "final");
        w.WriteStartArray("category");
        w.WriteStartObject();
        w.WriteStartArray("coding");
        WriteCoding(w, "http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs", "Vital Signs");
        w.WriteEndArray();
        w.WriteString("text", "Vital Signs");
        w.WriteEndObject();
        w.WriteEndArray();

        switch (kind)
        {
            case VitalKind.HeartRate:
                WriteCode(w, "Heart rate", (HeartRateCode, "Heart rate"));
                WriteHeader(w, subject, at);
                WriteQuantity(w, "valueQuantity", rng.Next(55, 110), "beats/minute", "/min");
                break;
            case VitalKind.RespiratoryRate:
                WriteCode(w, "Respiratory rate", ("9279-1", "Respiratory rate"));
                WriteHeader(w, subject, at);
                WriteQuantity(w, "valueQuantity", rng.Next(10, 22), "breaths/minute", "/min");
                break;
            case VitalKind.OxygenSaturation:
                WriteCode(w, "Oxygen saturation", ("2708-6", "Oxygen saturation in Arterial blood"),
                    ("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry"));
                WriteHeader(w, subject, at);
                WriteQuantity(w, "valueQuantity", rng.Next(92, 100), "%", "%");
                break;
            case VitalKind.BloodPressure:
                WriteCode(w, "Blood pressure", ("85354-9", "Blood pressure panel with all children optional"));
                WriteHeader(w, subject, at);
                var systolic = rng.Next(105, 150);
                var diastolic = rng.Next(60, 95);
                w.WriteStartArray("component");
                WriteComponent(w, "8480-6", "Systolic blood pressure", systolic);
                WriteComponent(w, "8462-4", "Diastolic blood pressure", diastolic);
                w.WriteEndArray();
                break;
        }

        w.WriteEndObject();
    }

    private static void WriteHeader(Utf8JsonWriter w, string subject, DateTimeOffset at)
    {
        w.WriteStartObject("subject");
        w.WriteString("reference", subject);
        w.WriteEndObject();
        w.WriteString("effectiveDateTime", at.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture));
    }

    private static void WriteCode(Utf8JsonWriter w, string text, params (string Code, string Display)[] codes)
    {
        w.WriteStartObject("code");
        w.WriteStartArray("coding");
        foreach (var (code, display) in codes)
        {
            WriteCoding(w, Loinc, code, display);
        }

        w.WriteEndArray();
        w.WriteString("text", text);
        w.WriteEndObject();
    }

    private static void WriteComponent(Utf8JsonWriter w, string code, string display, int value)
    {
        w.WriteStartObject();
        w.WriteStartObject("code");
        w.WriteStartArray("coding");
        WriteCoding(w, Loinc, code, display);
        w.WriteEndArray();
        w.WriteEndObject();
        WriteQuantity(w, "valueQuantity", value, "mmHg", "mm[Hg]");
        w.WriteEndObject();
    }

    private static void WriteCoding(Utf8JsonWriter w, string system, string code, string display)
    {
        w.WriteStartObject();
        w.WriteString("system", system);
        w.WriteString("code", code);
        w.WriteString("display", display);
        w.WriteEndObject();
    }

    private static void WriteQuantity(Utf8JsonWriter w, string name, int value, string unit, string code)
    {
        w.WriteStartObject(name);
        w.WriteNumber("value", value);
        w.WriteString("unit", unit);
        w.WriteString("system", Ucum);
        w.WriteString("code", code);
        w.WriteEndObject();
    }
}