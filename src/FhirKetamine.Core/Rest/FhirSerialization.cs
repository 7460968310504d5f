using System.Buffers;
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

    private readonly FhirJsonDeserializer _json = new(Settings(DeserializationMode.NoOverflow));
    private readonly FhirXmlDeserializer _xml = new(Settings(DeserializationMode.NoOverflow));
    private readonly FhirJsonDeserializer _stored = new(Settings(DeserializationMode.Recoverable));
    private readonly FhirXmlDeserializer _recoveringXml = new(Settings(DeserializationMode.Recoverable));
    private readonly BaseFhirJsonSerializer _jsonWriter = new(ModelInfo.ModelInspector);
    private readonly BaseFhirXmlSerializer _xmlWriter = new(ModelInfo.ModelInspector);

    /// <summary>
    /// The SDK's settings for <paramref name="mode"/>, also accepting a <c>uri</c>, <c>url</c> or <c>canonical</c> that starts
    /// with <c>urn:oid:</c> and goes on with something that is not an OID. The SDK holds every such value to the OID syntax;
    /// R4 gives that syntax to the <c>oid</c> type only (its regex <c>urn:oid:[0-2](\.(0|[1-9][0-9]*))+</c>; <c>uri</c> and
    /// <c>canonical</c> have <c>\S*</c>), and the HL7 validator accepts such a value in a conformance resource's <c>url</c> and
    /// in the canonicals that name it. An <c>oid</c> element is still held to the OID syntax, and a value with whitespace
    /// is still refused.
    /// </summary>
    private static DeserializerSettings Settings(DeserializationMode mode)
    {
        var settings = new DeserializerSettings().UsingMode(mode);
        var filter = settings.ExceptionFilter;
        return settings with { ExceptionFilter = e => filter?.Invoke(e) == true || IsUriWithNonOidUrnOid(e) };
    }

    /// <summary>The SDK's "not a correct literal" for a uri-like type whose value is <c>urn:oid:</c> and a rest without whitespace.</summary>
    internal static bool IsUriWithNonOidUrnOid(CodedException issue)
    {
        var message = issue is ExtendedCodedException extended ? extended.BaseErrorMessage : issue.Message;
        const string prefix = "string 'urn:oid:";
        if (issue.ErrorCode != Hl7.Fhir.Validation.CodedValidationException.LITERAL_INVALID_CODE || message is null
            || !message.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var type in (string[])["uri", "url", "canonical"])
        {
            var suffix = $"' is not a correct literal for a {type}.";
            if (message.EndsWith(suffix, StringComparison.Ordinal))
            {
                return IsUriOfNonOidUrnOid(message["string '".Length..^suffix.Length]);
            }
        }

        return false;
    }

    /// <summary>
    /// <c>urn:oid:</c> and a rest without whitespace: a valid R4 <c>uri</c> (its regex is <c>\S*</c>) that Firely's URI check
    /// refuses when the rest is not an OID. The parser (<see cref="IsUriWithNonOidUrnOid"/>) and the validator (which says it
    /// as a warning) accept it alike.
    /// </summary>
    internal static bool IsUriOfNonOidUrnOid(string value) =>
        value.StartsWith("urn:oid:", StringComparison.Ordinal) && value.Length > "urn:oid:".Length && !value.Any(char.IsWhiteSpace);

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

    /// <summary>
    /// A Bundle as JSON, where entry <c>i</c>'s resource is <paramref name="storedResources"/>[i] when that is not null:
    /// the JSON the server stored for it, copied in as it is. A search Bundle is written this way, so a match or an
    /// include costs a copy of its bytes, not a parse into a POCO and a serialisation back (~60 µs each: most of a
    /// 1,000-entry <c>_revinclude</c>, bench/README.md, issue 7). Everything else (meta, links, the entries' search
    /// mode, OperationOutcome entries) is Firely's serialisation on the same writer, so the text equals
    /// <see cref="ToJson(Resource, bool)"/> of the Bundle with those resources parsed in (a test checks).
    /// Only the elements a searchset or history Bundle carries are handled; anything else is a programming error.
    /// </summary>
    public string ToJson(Bundle bundle, IReadOnlyList<string?> storedResources)
    {
        if (storedResources.Count != bundle.Entry.Count)
        {
            throw new ArgumentException("One stored resource (or null) per entry.", nameof(storedResources));
        }

        if (bundle.ImplicitRules is not null || bundle.Language is not null || bundle.Identifier is not null || bundle.Timestamp is not null
            || bundle.Signature is not null || bundle.TypeElement?.Extension.Count > 0)
        {
            throw new ArgumentException("The Bundle carries an element this writer does not write.", nameof(bundle));
        }

        var buffer = new ArrayBufferWriter<byte>(4096 + storedResources.Sum(s => s?.Length ?? 0));
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            // Bundle's elements in their definition order, as Firely writes them.
            writer.WriteStartObject();
            writer.WriteString("resourceType", "Bundle");
            if (bundle.Id is { } id)
            {
                writer.WriteString("id", id);
            }

            if (bundle.Meta is { } meta)
            {
                writer.WritePropertyName("meta");
                _jsonWriter.Serialize(meta, writer);
            }

            if (bundle.Type is { } type)
            {
                writer.WriteString("type", type.GetLiteral());
            }

            if (bundle.Total is { } total)
            {
                writer.WriteNumber("total", total);
            }

            WriteArray(writer, "link", bundle.Link, (_, link) => _jsonWriter.Serialize(link, writer));
            WriteArray(writer, "entry", bundle.Entry, (i, entry) =>
            {
                if (storedResources[i] is not { } stored)
                {
                    _jsonWriter.Serialize(entry, writer);
                    return;
                }

                if (entry.Resource is not null || entry.Link.Count > 0 || entry.Request is not null || entry.Response is not null
                    || entry.Extension.Count > 0 || entry.ModifierExtension.Count > 0 || entry.FullUrlElement?.Extension.Count > 0)
                {
                    throw new ArgumentException("An entry with a stored resource carries only fullUrl and search.", nameof(bundle));
                }

                writer.WriteStartObject();
                if (entry.FullUrl is { } fullUrl)
                {
                    writer.WriteString("fullUrl", fullUrl);
                }

                writer.WritePropertyName("resource");
                writer.WriteRawValue(stored, skipInputValidation: true);
                if (entry.Search is { } search)
                {
                    writer.WritePropertyName("search");
                    _jsonWriter.Serialize(search, writer);
                }

                writer.WriteEndObject();
            });
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteArray<T>(Utf8JsonWriter writer, string name, List<T> items, Action<int, T> write)
    {
        if (items.Count == 0)
        {
            return;
        }

        writer.WriteStartArray(name);
        for (var i = 0; i < items.Count; i++)
        {
            write(i, items[i]);
        }

        writer.WriteEndArray();
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
                Expression = issue is ExtendedCodedException { InstancePath: { Length: > 0 } path } ? [path] : [],
            });
        }

        // The XML parser reports an unknown element and then each element inside it again: one problem, one issue.
        static bool IsUnknownElement(OperationOutcome.IssueComponent issue) =>
            (issue.Diagnostics ?? string.Empty).StartsWith("Found unknown element", StringComparison.Ordinal);
        var unknown = outcome.Issue.Where(IsUnknownElement).SelectMany(i => i.Expression).OfType<string>().ToHashSet(StringComparer.Ordinal);
        outcome.Issue.RemoveAll(i => IsUnknownElement(i)
            && i.Expression.Any(path => path is not null && unknown.Any(outer => path.Length > outer.Length && path.StartsWith(outer, StringComparison.Ordinal) && path[outer.Length] is '.' or '[')));

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
