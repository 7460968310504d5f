using System.Globalization;
using System.Net;

using FhirKetamine.Core.Export;
using FhirKetamine.Core.Rest;
using FhirKetamine.Server.Rest;
using FhirKetamine.Server.Smart;

using Hl7.Fhir.Model;

using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.Extensions.Options;

namespace FhirKetamine.Server.Export;

/// <summary>
/// Bulk Data Access v2 over HTTP: the three kick-offs (<c>$export</c>, <c>Patient/$export</c>,
/// <c>Group/{id}/$export</c>; GET with query parameters or POST with a <c>Parameters</c> body), the status URL (GET polls, DELETE cancels) and the file URLs. All sit in the
/// FHIR route group, so they need the same bearer token; the status and the files only answer the client
/// that started the job.
/// </summary>
internal static class ExportEndpoints
{
    public const string NdjsonType = "application/fhir+ndjson";

    public static void MapExportEndpoints(this RouteGroupBuilder fhir)
    {
        fhir.MapGet("$export", (HttpContext http, BulkExport export, ExportSignal signal, CancellationToken ct) =>
            KickOffAsync(http, export, signal, ExportLevel.System, null, ct)).WithName("export-system");
        fhir.MapGet("Patient/$export", (HttpContext http, BulkExport export, ExportSignal signal, CancellationToken ct) =>
            KickOffAsync(http, export, signal, ExportLevel.Patient, null, ct)).WithName("export-patient");
        fhir.MapGet("Group/{id}/$export", (string id, HttpContext http, BulkExport export, ExportSignal signal, CancellationToken ct) =>
            KickOffAsync(http, export, signal, ExportLevel.Group, id, ct)).WithName("export-group");
        fhir.MapPost("$export", (HttpContext http, BulkExport export, ExportSignal signal, CancellationToken ct) =>
            KickOffAsync(http, export, signal, ExportLevel.System, null, ct)).WithName("export-system-post");
        fhir.MapPost("Patient/$export", (HttpContext http, BulkExport export, ExportSignal signal, CancellationToken ct) =>
            KickOffAsync(http, export, signal, ExportLevel.Patient, null, ct)).WithName("export-patient-post");
        fhir.MapPost("Group/{id}/$export", (string id, HttpContext http, BulkExport export, ExportSignal signal, CancellationToken ct) =>
            KickOffAsync(http, export, signal, ExportLevel.Group, id, ct)).WithName("export-group-post");
        fhir.MapGet("$export-status/{id}", StatusAsync).WithName("export-status");
        fhir.MapDelete("$export-status/{id}", CancelAsync).WithName("export-cancel");
        fhir.MapGet("$export-file/{id}/{name}", DownloadAsync).WithName("export-file");
    }

    private static async Task<IResult> KickOffAsync(HttpContext http, BulkExport export, ExportSignal signal, string level, string? groupId, CancellationToken ct)
    {
        if (!http.Request.Headers["Prefer"].ToString().Contains("respond-async", StringComparison.OrdinalIgnoreCase))
        {
            throw FhirException.BadRequest("$export runs asynchronously: send the header 'Prefer: respond-async'.");
        }

        var parameters = HttpMethods.IsPost(http.Request.Method)
            ? await ExportParameters.FromBodyAsync(http, ct)
            : http.Request.Query.SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string>(q.Key, v ?? string.Empty))).ToList();
        var request = new ExportRequest(level, groupId, parameters, http.Access(), http.Request.GetEncodedUrl(), http.BaseUrl());
        var job = await export.KickOffAsync(request, ct);
        signal.Wake();
        http.Response.Headers.ContentLocation = $"{http.BaseUrl()}/$export-status/{job.Id}";
        return new FhirResult(new FhirResponse(HttpStatusCode.Accepted)
        {
            Outcome = Outcomes.Information($"The export is queued; poll {http.Response.Headers.ContentLocation} for its status."),
        });
    }

    private static async Task<IResult> StatusAsync(string id, HttpContext http, BulkExport export, IOptions<ExportOptions> options, CancellationToken ct)
    {
        var job = await export.FindAsync(id, http.Access().ClientId, ct);
        switch (job.Status)
        {
            case ExportStatus.Completed:
                if (job.ExpiresUtc is { } expires)
                {
                    http.Response.Headers.Expires = DateTime.SpecifyKind(expires, DateTimeKind.Utc).ToString("R", CultureInfo.InvariantCulture);
                }

                return Results.Text(job.Manifest, "application/json", statusCode: StatusCodes.Status200OK);
            case ExportStatus.Failed:
                return Results.Text(job.Error, FhirHttp.JsonType, statusCode: StatusCodes.Status500InternalServerError);
            default:
                http.Response.Headers.RetryAfter = options.Value.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                http.Response.Headers["X-Progress"] = job.Progress ?? job.Status;
                return Results.StatusCode(StatusCodes.Status202Accepted);
        }
    }

    private static async Task<IResult> CancelAsync(string id, HttpContext http, BulkExport export, CancellationToken ct)
    {
        await export.CancelAsync(id, http.Access().ClientId, ct);
        return new FhirResult(new FhirResponse(HttpStatusCode.Accepted)
        {
            Outcome = Outcomes.Information($"Export {id} is cancelled and its files are deleted."),
        });
    }

    private static async Task<IResult> DownloadAsync(string id, string name, HttpContext http, BulkExport export, IOptions<ExportOptions> options, CancellationToken ct)
    {
        var job = await export.FindAsync(id, http.Access().ClientId, ct);
        var path = ExportRunner.FilePath(options.Value, job, name)
            ?? throw FhirException.NotFound($"Export {id} has no file '{name}'.");
        return Results.File(path, NdjsonType, enableRangeProcessing: true);
    }
}