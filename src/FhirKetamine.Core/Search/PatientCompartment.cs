using System.Collections.Frozen;
using System.IO.Compression;
using System.Xml;

using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace FhirKetamine.Core.Search;

/// <summary>
/// The R4 Patient compartment (<c>http://hl7.org/fhir/CompartmentDefinition/patient</c>) as the Firely SDK's
/// specification.zip ships it: for each resource type, the reference search parameters that put a resource
/// in a patient's compartment (Observation: subject, performer). A type the definition lists without
/// parameters, or does not list, is never in a compartment. The one reading of it that patient-context
/// scopes (search predicates), <c>Patient/$everything</c> and Patient/Group <c>$export</c> share. Read once
/// per process by streaming profiles-resources.xml up to the one CompartmentDefinition; immutable.
/// </summary>
public sealed class PatientCompartment
{
    public const string Url = "http://hl7.org/fhir/CompartmentDefinition/patient";

    private static readonly Lazy<PatientCompartment> Loaded = new(() => new PatientCompartment(LoadDefinition()), LazyThreadSafetyMode.ExecutionAndPublication);

    public PatientCompartment(CompartmentDefinition definition)
    {
        if (definition.Code != CompartmentType.Patient)
        {
            throw new ArgumentException($"{definition.Url} is not the Patient compartment.", nameof(definition));
        }

        ParametersByType = definition.Resource
            .Where(r => r.CodeElement?.JsonValue is string)
            .Select(r => (Type: (string)r.CodeElement.JsonValue!, Parameters: r.Param.Where(p => p is not null && !p.StartsWith('{')).Select(p => p!).ToArray()))
            .Where(r => r.Parameters.Length > 0)
            .ToFrozenDictionary(r => r.Type, r => (IReadOnlyList<string>)r.Parameters, StringComparer.Ordinal);
        ParameterNames = ParametersByType.Values.SelectMany(p => p).ToFrozenSet(StringComparer.Ordinal);
        TypeParameterPairs = ParametersByType.SelectMany(kv => kv.Value.Select(p => kv.Key + ":" + p)).Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>The process-wide R4 definition, read on first use.</summary>
    public static PatientCompartment R4 => Loaded.Value;

    /// <summary>The resource types that can be in a patient's compartment, each with its membership parameters.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> ParametersByType { get; }

    /// <summary>Every membership parameter name, over all types.</summary>
    public IReadOnlySet<string> ParameterNames { get; }

    /// <summary>Every <c>Type:parameter</c> pair of the compartment, for queries over resources of mixed types.</summary>
    public IReadOnlyList<string> TypeParameterPairs { get; }

    /// <summary>The compartment's reference parameters of <paramref name="type"/>; empty when the type has none.</summary>
    public IReadOnlyList<string> Parameters(string type) => ParametersByType.TryGetValue(type, out var names) ? names : [];

    /// <summary>True when a <paramref name="type"/>'s reference through <paramref name="parameter"/> to a Patient makes it a member.</summary>
    public bool IsMembership(string type, string parameter) =>
        ParametersByType.TryGetValue(type, out var parameters) && parameters.Contains(parameter, StringComparer.Ordinal);

    private static CompartmentDefinition LoadDefinition()
    {
        var zipPath = Path.Combine(AppContext.BaseDirectory, "specification.zip");
        using var zip = ZipFile.OpenRead(zipPath);
        var entry = zip.GetEntry("profiles-resources.xml") ?? throw new InvalidOperationException($"profiles-resources.xml is missing in {zipPath}.");
        using var stream = entry.Open();
        using var reader = XmlReader.Create(stream, new XmlReaderSettings { IgnoreComments = true, IgnoreWhitespace = true });
        var parser = new FhirXmlDeserializer(new DeserializerSettings().UsingMode(DeserializationMode.Recoverable));
        while (reader.ReadToFollowing("CompartmentDefinition", "http://hl7.org/fhir"))
        {
            var xml = reader.ReadOuterXml();
            if (parser.TryDeserializeResource(xml, out var resource, out _) && resource is CompartmentDefinition { Url: Url } definition)
            {
                return definition;
            }
        }

        throw new InvalidOperationException($"{Url} is not in {zipPath}.");
    }
}
