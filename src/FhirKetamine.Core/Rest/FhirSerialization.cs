using System.Net;
using System.Text;
using System.Text.Json;
using System.Xml;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Utility;

namespace FhirKetamine.Core.Rest;

/// <summary>
/// The server's one parser and serialiser (Firely SDK), shared as a singleton.
/// Incoming resources are parsed so that unknown elements and values of the wrong type are errors (400);
/// cardinality and other profile rules are the validator's job (422).
/// </summary>
public sealed class FhirSerialization
{
    /// <summary>JSON nesting deeper than this is refused before the FHIR parser sees it.</summary>
    public const int MaxDepth = 64;

    private static readonly Coding Subsetted = new("http://terminology.hl7.org/CodeSystem/v3-ObservationValue", "SUBSETTED");

    private readonly FhirJsonDeserializer _json = new(new DeserializerSettings().UsingMode(DeserializationMode.NoOverflow));
    private readonly FhirXmlDeserializer _xml = new(new DeserializerSettings().UsingMode(DeserializationMode.NoOverflow));
    private readonly FhirJsonDeserializer _stored = new(new DeserializerSettings().UsingMode(DeserializationMode.Recoverable));
    private readonly FhirXmlDeserializer _recoveringXml = new(new DeserializerSettings().UsingMode(DeserializationMode.Recoverable));
    private readonly BaseFhirJsonSerializer _jsonWriter = new(ModelInfo.ModelInspector);
    private readonly BaseFhirXmlSerializer _xmlWriter = new(ModelInfo.ModelInspector);

    public Resource Parse(ReadOnlySpan<byte> body, FhirFormat format) =>
        format == FhirFormat.Json ? ParseJson(body) : ParseXml(body);

    public Resource ParseJson(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            throw FhirException.BadRequest("The request body is empty; a FHIR resource was expected.");
        }

        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = MaxDepth });
        try
        {
            if (_json.TryDeserializeResource(ref reader, out var resource, out var issues) && resource is not null)
            {
                return resource;
            }

            throw Malformed(issues);
        }
        catch (JsonException ex)
        {
            throw FhirException.BadRequest($"The body is not valid JSON: {ex.Message}");
        }
    }

    public Resource ParseXml(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            throw FhirException.BadRequest("The request body is empty; a FHIR resource was expected.");
        }

        try
        {
            using var stream = new MemoryStream(body.ToArray());
            using var reader = XmlReader.Create(stream, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, MaxCharactersFromEntities = 0 });
            if (_xml.TryDeserializeResource(reader, out var resource, out var issues) && resource is not null)
            {
                return resource;
            }

            throw Malformed(issues);
        }
        catch (XmlException ex)
        {
            throw FhirException.BadRequest($"The body is not well-formed XML: {ex.Message}");
        }
    }

    /// <summary>
    /// What the parser could make of a body <see cref="Parse"/> refused (null when nothing): <c>$validate</c>
    /// validates it too, so that a client learns every problem of the resource in one answer, not only the first syntax error.
    /// </summary>
    public Resource? ParseRecovered(ReadOnlySpan<byte> body, FhirFormat format)
    {
        try
        {
            if (format == FhirFormat.Json)
            {
                var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = MaxDepth });
                return _stored.TryDeserializeResource(ref reader, out var resource, out _) || resource is not null ? resource : null;
            }

            using var stream = new MemoryStream(body.ToArray());
            using var xml = XmlReader.Create(stream, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, MaxCharactersFromEntities = 0 });
            return _recoveringXml.TryDeserializeResource(xml, out var parsed, out _) || parsed is not null ? parsed : null;
        }
        catch (Exception ex) when (ex is JsonException or XmlException or DeserializationFailedException or FormatException)
        {
            return null;
        }
    }

    /// <summary>Parses JSON the server wrote itself (already validated): lenient and fast.</summary>
    public Resource ParseStored(string json) => _stored.DeserializeResource(json);

    public string ToJson(Resource resource, bool pretty = false)
    {
        using var buffer = new MemoryStream();
        WriteJson(resource, buffer, new OutputShape(FhirFormat.Json, pretty));
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    public void Write(Resource resource, Stream output, OutputShape shape)
    {
        if (shape.Format == FhirFormat.Json)
        {
            WriteJson(resource, output, shape);
        }
        else
        {
            WriteXml(resource, output, shape);
        }
    }

    private void WriteJson(Resource resource, Stream output, OutputShape shape)
    {
        using var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = shape.Pretty, SkipValidation = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        _jsonWriter.Serialize(Shape(resource, shape), writer, Filter(shape));
    }

    private void WriteXml(Resource resource, Stream output, OutputShape shape)
    {
        using var writer = XmlWriter.Create(output, new XmlWriterSettings { Indent = shape.Pretty, Encoding = new UTF8Encoding(false) });
        _xmlWriter.Serialize(Shape(resource, shape), writer, Filter(shape));
    }

    /// <summary>A summarised or element-filtered resource carries the SUBSETTED tag (R4 search.html#summary).</summary>
    private static Resource Shape(Resource resource, OutputShape shape)
    {
        if (shape.IsUnfiltered || resource is Bundle or OperationOutcome)
        {
            return resource;
        }

        var copy = (Resource)resource.DeepCopy();
        copy.Meta ??= new Meta();
        if (!copy.Meta.Tag.Any(t => t.Code == Subsetted.Code))
        {
            copy.Meta.Tag.Add(Subsetted);
        }

        return copy;
    }

    private static Func<SerializationFilter>? Filter(OutputShape shape)
    {
        if (shape.Elements is { Count: > 0 } elements)
        {
            // meta stays, so the client sees the SUBSETTED tag.
            return SerializationFilter.ForElementsFactory([.. elements.Append("meta").Distinct(StringComparer.Ordinal)]);
        }

        return shape.Summary switch
        {
            "true" => SerializationFilter.ForSummary,
            "text" => SerializationFilter.ForText,
            "data" => SerializationFilter.ForData,
            _ => null,
        };
    }

    private static FhirException Malformed(IEnumerable<CodedException>? issues)
    {
        var outcome = new OperationOutcome();
        foreach (var issue in issues ?? [])
        {
            outcome.Issue.Add(new OperationOutcome.IssueComponent
            {
                Severity = OperationOutcome.IssueSeverity.Error,
                Code = issue.ErrorCode.Contains("UNKNOWN", StringComparison.OrdinalIgnoreCase)
                    ? OperationOutcome.IssueType.Structure : OperationOutcome.IssueType.Invalid,
                Diagnostics = issue.Message,
                Details = new CodeableConcept("http://fhir-ketamine.org/fhir/CodeSystem/parse-error", issue.ErrorCode),
                Expression = issue is FhirJsonException { InstancePath: { } path } ? [path] : [],
            });
        }

        if (outcome.Issue.Count == 0)
        {
            outcome.Issue.Add(new OperationOutcome.IssueComponent
            {
                Severity = OperationOutcome.IssueSeverity.Error, Code = OperationOutcome.IssueType.Invalid,
                Diagnostics = "The body could not be parsed as a FHIR resource.",
            });
        }

        return new FhirException(HttpStatusCode.BadRequest, outcome);
    }
}
