using System.Globalization;
using System.Net;
using System.Text;
using FhirKetamine.Core.Rest;
using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Rest;

/// <summary>
/// Writes a <see cref="FhirResponse"/> as HTTP: status, ETag, Last-Modified, Location, the body shaped by
/// <c>Prefer: return=…</c>, <c>_format</c>, <c>_pretty</c>, <c>_summary</c> and <c>_elements</c>.
/// A plain JSON read sends the stored JSON as it is.
/// </summary>
internal sealed class FhirResult(FhirResponse response) : IResult
{
    /// <summary>The engine's answer, before it is written (the audit filter records what it holds).</summary>
    public FhirResponse Response => response;

    public async Task ExecuteAsync(HttpContext http)
    {
        var shape = FhirHttp.ResponseShape(http);
        http.Response.StatusCode = (int)response.Status;
        if (response.ETag is { } etag)
        {
            http.Response.Headers.ETag = etag;
        }

        if (response.LastUpdated is { } lastUpdated)
        {
            http.Response.Headers.LastModified = new DateTimeOffset(lastUpdated, TimeSpan.Zero).ToString("R", CultureInfo.InvariantCulture);
        }

        if (response.Location is { } location)
        {
            var header = response.Status == HttpStatusCode.Created ? "Location" : "Content-Location";
            http.Response.Headers[header] = $"{http.BaseUrl()}/{location}";
        }

        if (response.Status is HttpStatusCode.NotModified or HttpStatusCode.NoContent && response.Outcome is null)
        {
            return;
        }

        var prefer = http.Request.Headers["Prefer"].ToString();
        Resource? body;
        string? raw = null;
        var isWrite = response.Location is not null;
        if (isWrite && prefer.Contains("return=minimal", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        if (prefer.Contains("return=OperationOutcome", StringComparison.OrdinalIgnoreCase))
        {
            body = response.Outcome ?? Outcomes.Information($"{response.Status}: {response.ResourceType}/{response.Id} version {response.VersionId}.");
        }
        else if (response.HasResource)
        {
            raw = shape.IsPlainJson ? response.StoredJson : null;
            body = raw is null ? response.Resource ?? http.RequestServices.GetRequiredService<FhirSerialization>().ParseStored(response.StoredJson!) : null;
        }
        else
        {
            body = response.Outcome;
        }

        if (response.Status == HttpStatusCode.NoContent && body is not null)
        {
            http.Response.StatusCode = StatusCodes.Status200OK; // a 204 cannot carry the OperationOutcome the client asked for
        }

        await WriteAsync(http, shape, body, raw);
    }

    public static async Task WriteAsync(HttpContext http, OutputShape shape, Resource? body, string? raw = null)
    {
        if (body is null && raw is null)
        {
            return;
        }

        http.Response.ContentType = (shape.Format == FhirFormat.Json ? FhirHttp.JsonType : FhirHttp.XmlType) + "; charset=utf-8";
        if (raw is not null)
        {
            await http.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(raw), http.RequestAborted);
            return;
        }

        using var buffer = new MemoryStream();
        http.RequestServices.GetRequiredService<FhirSerialization>().Write(body!, buffer, shape);
        buffer.Position = 0;
        await buffer.CopyToAsync(http.Response.Body, http.RequestAborted);
    }
}
