using System.Text.Json;

using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Audit;

/// <summary>
/// The patient a resource is about, cheaply (no FHIRPath): a Patient itself, or the Patient named by a
/// top-level <c>subject</c>, <c>patient</c> or <c>beneficiary</c> reference (Observation, Procedure,
/// MedicationAdministration, Encounter, Condition, …). Enough for the audit's patient entity; a resource that
/// names its patient elsewhere is audited without one.
/// </summary>
public static class PatientReferences
{
    private static readonly string[] Elements = ["subject", "patient", "beneficiary"];

    public static string? Of(Resource? resource)
    {
        if (resource is null)
        {
            return null;
        }

        if (resource is Patient patient)
        {
            return patient.Id;
        }

        foreach (var (name, value) in resource.EnumerateElements())
        {
            if (Elements.Contains(name) && value is ResourceReference { Reference: { } reference } && PatientId(reference) is { } id)
            {
                return id;
            }
        }

        return null;
    }

    /// <summary>The same over a stored resource's JSON (reads answer with the stored JSON, unparsed).</summary>
    public static string? OfJson(string? type, string? id, string? json)
    {
        if (type == "Patient")
        {
            return id;
        }

        // A Bundle (a search answer is one, up to MBs of stored JSON) has no top-level subject/patient/beneficiary: not parsed.
        if (string.IsNullOrEmpty(json) || type == "Bundle")
        {
            return null;
        }

        using var document = JsonDocument.Parse(json);
        foreach (var name in Elements)
        {
            if (document.RootElement.TryGetProperty(name, out var element) && element.ValueKind == JsonValueKind.Object
                && element.TryGetProperty("reference", out var reference) && reference.ValueKind == JsonValueKind.String
                && PatientId(reference.GetString()!) is { } patient)
            {
                return patient;
            }
        }

        return null;
    }

    /// <summary>The id in <c>Patient/{id}</c> (relative, absolute or versioned); null for another type.</summary>
    public static string? PatientId(string reference)
    {
        var parts = reference.Split('/');
        var history = Array.IndexOf(parts, "_history");
        if (history > 0)
        {
            parts = parts[..history];
        }

        return parts.Length >= 2 && parts[^2] == "Patient" && parts[^1].Length > 0 ? parts[^1] : null;
    }
}
