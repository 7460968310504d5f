using System.Net;

using FhirKetamine.Core.Audit;
using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Smart;
using FhirKetamine.Server.Rest;
using FhirKetamine.Server.Smart;

using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Audit;

/// <summary>
/// An AuditEvent for every FHIR request that reads or writes data (not the CapabilityStatement, SMART
/// discovery or health checks), stored before the response is sent:
/// <list type="bullet">
/// <item>stored writes: by <see cref="WriteAuditHook"/>, in the write's own transaction (with its Provenance);</item>
/// <item>answered reads, searches, history, operations, Bundles and writes that stored nothing: by
/// <see cref="AuditFilter"/>, after the handler and before the result is written;</item>
/// <item>refused or failed requests (401 without or with a bad token, 403, 404, 4xx, 5xx): by the middleware,
/// around everything after the exception handler.</item>
/// </list>
/// The AuditEvent commits before the first byte of the response (<see cref="AuditLog"/>), so a response a client
/// received is audited even if the server dies right after; a request that fails to store its audit fails (503).
/// </summary>
internal static partial class FhirAudit
{
    private const string Key = "FhirKetamine.Audit";

    public static IServiceCollection AddFhirAudit(this IServiceCollection services)
    {
        services.AddSingleton<IWriteHook, WriteAuditHook>();
        services.AddSingleton<AuditLog>();
        return services;
    }

    /// <summary>Before authentication (to see 401s) and after the exception handler (to see the exceptions).</summary>
    public static IApplicationBuilder UseFhirAudit(this WebApplication app) => app.Use(async (http, next) =>
    {
        var request = AuditedRequest.Of(http);
        if (request is null)
        {
            await next(http);
            return;
        }

        http.Items[Key] = request;
        try
        {
            await next(http);
        }
        catch (Exception ex) when (!request.Recorded)
        {
            var (status, description) = ex switch
            {
                FhirException fhir => ((int)fhir.Status, string.Join(" ", fhir.Outcome.Issue.Select(i => i.Diagnostics))),
                BadHttpRequestException bad => (bad.StatusCode, "The HTTP request is malformed or too large."),
                OperationCanceledException when http.RequestAborted.IsCancellationRequested => (499, "The client closed the request."),
                _ => (StatusCodes.Status500InternalServerError, $"The server failed (request {http.TraceIdentifier})."),
            };
            await RecordAsync(http, request, status, description, null);
            throw;
        }

        if (!request.Recorded)
        {
            await RecordAsync(http, request, http.Response.StatusCode, null, null);
        }
    });

    internal static AuditedRequest? Request(HttpContext http) => http.Items.TryGetValue(Key, out var request) ? request as AuditedRequest : null;

    /// <summary>Builds and stores the event of <paramref name="request"/>; <paramref name="response"/> when the engine answered.</summary>
    internal static async Task RecordAsync(HttpContext http, AuditedRequest request, int status, string? description, FhirResponse? response)
    {
        request.Recorded = true;
        var access = http.TryAccess()
            ?? CallerAccess.FromPrincipal(http.User) with { Origin = new RequestOrigin(http.Connection.RemoteIpAddress?.ToString(), http.TraceIdentifier) };
        var interaction = request.Interaction;
        if (interaction == Interaction.Batch && response?.Resource is Bundle { Type: Bundle.BundleType.TransactionResponse })
        {
            interaction = Interaction.Transaction;
        }

        var (subtype, action) = AuditLog.Describe(interaction, createdByUpdate: status == StatusCodes.Status201Created);
        var log = http.RequestServices.GetRequiredService<AuditLog>();
        var record = new AuditRecord(access, subtype, action, status)
        {
            Recorded = log.Clock.GetUtcNow(),
            Resources = Resources(request, response),
            Patients = Patients(http, request, response),
            Query = request.IsQuery ? await QueryAsync(http, request) : null,
            Description = description ?? Describe(status, response),
            BaseUrl = http.BaseUrl(),
        };
        try
        {
            await log.RecordAsync(record);
        }
        catch (Exception ex) when (ex is FhirException or InvalidOperationException or System.Data.Common.DbException or Microsoft.EntityFrameworkCore.DbUpdateException)
        {
            if (access.Origin is { Committed: true })
            {
                // A batch or transaction whose writes are stored, each with its own AuditEvent and Provenance: refusing
                // the answer now would not undo them, only make the client retry them. The request-level event is lost.
                LogUnauditedAfterCommit(http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(FhirAudit).FullName!),
                    ex, subtype, http.TraceIdentifier);
                return;
            }

            throw Unaudited();
        }
    }

    [LoggerMessage(EventId = 6001, Level = LogLevel.Error,
        Message = "The {Subtype} AuditEvent of request {RequestId} could not be stored; its writes were already committed (each audited in its own transaction), so the request is answered")]
    private static partial void LogUnauditedAfterCommit(ILogger logger, Exception exception, string subtype, string requestId);

    private static FhirException Unaudited() => new(HttpStatusCode.ServiceUnavailable, OperationOutcome.IssueType.Transient,
        "The access could not be audited, so it was not answered. Retry the request.");

    private static string Describe(int status, FhirResponse? response) =>
        response?.Outcome?.Issue.FirstOrDefault(i => i.Diagnostics is not null)?.Diagnostics is { } diagnostics
            ? $"HTTP {status}: {diagnostics}"
            : $"HTTP {status}";

    private static IReadOnlyList<string> Resources(AuditedRequest request, FhirResponse? response)
    {
        if (response is { ResourceType: { } type, Id: { } id } && request.Interaction is Interaction.Read or Interaction.VRead
            or Interaction.Create or Interaction.Update or Interaction.Patch or Interaction.Delete)
        {
            return [response.VersionId is { } v ? $"{type}/{id}/_history/{v}" : $"{type}/{id}"];
        }

        return request.Reference() is { } reference ? [reference] : [];
    }

    private static IReadOnlyList<string> Patients(HttpContext http, AuditedRequest request, FhirResponse? response)
    {
        var patients = new List<string>();
        if (request is { ResourceType: "Patient", Id: { } id })
        {
            patients.Add(id);
        }

        if (response is not null && (PatientReferences.Of(response.Resource) ?? PatientReferences.OfJson(response.ResourceType, response.Id, response.StoredJson)) is { } patient)
        {
            patients.Add(patient);
        }

        foreach (var (name, values) in http.Request.Query)
        {
            var parameter = name.Split(':')[0];
            foreach (var value in values.SelectMany(v => (v ?? string.Empty).Split(',')))
            {
                var named = PatientReferences.PatientId(value)
                    ?? (parameter == "patient" || (parameter == "_id" && request.ResourceType == "Patient") ? value : null);
                if (parameter is "patient" or "subject" or "_id" && !string.IsNullOrEmpty(named))
                {
                    patients.Add(named);
                }
            }
        }

        if (http.TryAccess() is { PatientId: { } context } && patients.Count == 0 && request.ResourceType is not null)
        {
            patients.Add(context); // a patient-context token reaches only its patient's compartment
        }

        return patients.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>The query as the client sent it: <c>Observation?patient=…</c>, with a POSTed _search form's parameters.</summary>
    private static async Task<string> QueryAsync(HttpContext http, AuditedRequest request)
    {
        var path = http.Request.Path.Value!["/fhir/".Length..];
        var query = http.Request.QueryString.HasValue ? http.Request.QueryString.Value!.TrimStart('?') : string.Empty;
        if (request.Interaction == Interaction.SearchType && HttpMethods.IsPost(http.Request.Method) && http.Request.HasFormContentType)
        {
            var form = await http.Request.ReadFormAsync();
            var posted = string.Join('&', form.SelectMany(f => f.Value.Select(v => $"{f.Key}={v}")));
            query = query.Length == 0 ? posted : $"{query}&{posted}";
        }

        return query.Length == 0 ? path : $"{path}?{Uri.UnescapeDataString(query)}";
    }
}

/// <summary>
/// Audits a FHIR request the engine answered, after its handler and before its result is written: the
/// response's resources and patient are known, and the event commits before the client sees any of it.
/// Stored writes are skipped (their hook audited them in their transaction); a Bundle gets its own event.
/// </summary>
internal sealed class AuditFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var result = await next(context);
        var http = context.HttpContext;
        if (FhirAudit.Request(http) is not { Recorded: false } request)
        {
            return result;
        }

        if (result is FhirResult fhir)
        {
            FhirHttp.ResponseShape(http); // a bad _format fails here, before the event says "answered"
            var status = (int)fhir.Response.Status;
            if (request.IsWrite && status < 300 && http.TryAccess()?.Origin is { AuditedWrites: > 0 })
            {
                request.Recorded = true;
                return result;
            }

            await FhirAudit.RecordAsync(http, request, status, null, fhir.Response);
        }
        else
        {
            var status = result is IStatusCodeHttpResult { StatusCode: { } code } ? code : StatusCodes.Status200OK;
            await FhirAudit.RecordAsync(http, request, status, null, null);
        }

        return result;
    }
}
