using System.Globalization;
using System.Net;
using FhirKetamine.Core.Rest;
using FhirKetamine.Server.Smart;
using Hl7.Fhir.Model;
using Microsoft.Net.Http.Headers;

namespace FhirKetamine.Server.Rest;

/// <summary>Maps an HTTP request to the engine's <see cref="FhirRequest"/>: format negotiation, headers, body.</summary>
internal static class FhirHttp
{
    public const string JsonType = "application/fhir+json";
    public const string XmlType = "application/fhir+xml";
    public const string JsonPatchType = "application/json-patch+json";

    /// <summary>The default of <c>Fhir:MaxRequestBodyBytes</c>, used by Kestrel and by <see cref="ReadBodyAsync"/>.</summary>
    public const long DefaultMaxRequestBodyBytes = 16L * 1024 * 1024;

    public static long MaxRequestBodyBytes(this IConfiguration configuration) =>
        configuration.GetValue("Fhir:MaxRequestBodyBytes", DefaultMaxRequestBodyBytes);

    public static string BaseUrl(this HttpContext http) => $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}/fhir";

    public static FhirRequest ToFhirRequest(this HttpContext http, Interaction interaction, string? type = null, string? id = null, string? versionId = null)
    {
        var headers = http.Request.Headers;
        var prefer = headers["Prefer"].ToString();
        return new FhirRequest(interaction, http.Access())
        {
            ResourceType = type,
            Id = id,
            VersionId = versionId,
            Parameters = http.Request.Query.SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string>(q.Key, v ?? string.Empty))).ToList(),
            IfMatch = NullIfEmpty(headers.IfMatch.ToString()),
            IfNoneExist = NullIfEmpty(headers["If-None-Exist"].ToString()),
            IfNoneMatch = NullIfEmpty(headers.IfNoneMatch.ToString()),
            IfModifiedSince = DateTimeOffset.TryParse(headers.IfModifiedSince.ToString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var since) ? since : null,
            StrictHandling = prefer.Contains("handling=strict", StringComparison.OrdinalIgnoreCase),
            BaseUrl = http.BaseUrl(),
        };
    }

    /// <summary>Reads and parses the body as the resource its Content-Type says (JSON when absent).</summary>
    public static async Task<Resource> ReadResourceAsync(this HttpContext http, CancellationToken ct)
    {
        var format = RequestFormat(http);
        var body = await ReadBodyAsync(http, ct);
        return http.RequestServices.GetRequiredService<FhirSerialization>().Parse(body, format);
    }

    /// <summary>
    /// Reads the body, refusing more than <c>Fhir:MaxRequestBodyBytes</c> with 413. Kestrel enforces the
    /// same limit on the socket; this check also holds behind other servers and in the test host.
    /// </summary>
    public static async Task<byte[]> ReadBodyAsync(HttpContext http, CancellationToken ct)
    {
        var limit = http.RequestServices.GetRequiredService<IConfiguration>().MaxRequestBodyBytes();
        if (http.Request.ContentLength > limit)
        {
            throw TooLarge(limit);
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await http.Request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                throw TooLarge(limit);
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static FhirException TooLarge(long limit) =>
        new(HttpStatusCode.RequestEntityTooLarge, OperationOutcome.IssueType.TooCostly,
            $"The request body is larger than the {limit} bytes this server accepts (Fhir:MaxRequestBodyBytes).");

    public static FhirFormat RequestFormat(HttpContext http)
    {
        var contentType = http.Request.ContentType;
        if (string.IsNullOrEmpty(contentType))
        {
            return FhirFormat.Json;
        }

        var media = MediaTypeHeaderValue.Parse(contentType).MediaType.ToString().ToLowerInvariant();
        return media switch
        {
            JsonType or "application/json" or "application/json+fhir" => FhirFormat.Json,
            XmlType or "application/xml" or "text/xml" or "application/xml+fhir" => FhirFormat.Xml,
            _ => throw new FhirException(HttpStatusCode.UnsupportedMediaType, OperationOutcome.IssueType.NotSupported,
                $"Content-Type '{media}' is not supported; send {JsonType} or {XmlType}."),
        };
    }

    /// <summary>_format wins over Accept; JSON is the default.</summary>
    public static OutputShape ResponseShape(HttpContext http)
    {
        var query = http.Request.Query;
        var format = FhirFormat.Json;
        if (query.TryGetValue("_format", out var requested) && requested.ToString() is { Length: > 0 } f)
        {
            format = f.ToLowerInvariant() switch
            {
                "json" or JsonType or "application/json" or "application/json+fhir" => FhirFormat.Json,
                "xml" or XmlType or "application/xml" or "text/xml" or "application/xml+fhir" => FhirFormat.Xml,
                _ => throw new FhirException(HttpStatusCode.NotAcceptable, OperationOutcome.IssueType.NotSupported,
                    $"_format '{f}' is not supported; use json or xml."),
            };
        }
        else
        {
            foreach (var accept in http.Request.GetTypedHeaders().Accept.OrderByDescending(a => a.Quality ?? 1))
            {
                var media = accept.MediaType.ToString().ToLowerInvariant();
                if (media is JsonType or "application/json" or "application/json+fhir" or "*/*" or "application/*")
                {
                    break;
                }

                if (media is XmlType or "application/xml" or "text/xml" or "application/xml+fhir")
                {
                    format = FhirFormat.Xml;
                    break;
                }
            }
        }

        var pretty = query.TryGetValue("_pretty", out var p) && p.ToString() == "true";
        var summary = query.TryGetValue("_summary", out var s) ? s.ToString() : null;
        if (summary is not (null or "true" or "false" or "text" or "data" or "count"))
        {
            throw FhirException.BadRequest($"_summary must be true, false, text, data or count, not '{summary}'.", "_summary");
        }

        var elements = query.TryGetValue("_elements", out var e)
            ? e.ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : null;
        return new OutputShape(format, pretty, summary == "count" ? null : summary, elements);
    }

    private static string? NullIfEmpty(string value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
