using System.Net;

using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Search.Reindex;
using FhirKetamine.Server.Rest;
using FhirKetamine.Server.Smart;

namespace FhirKetamine.Server.Search;

/// <summary>
/// <c>$reindex</c> over HTTP: <c>POST /fhir/$reindex</c> (every type) and <c>POST /fhir/[type]/$reindex</c> queue a
/// background job and answer 202 with <c>Content-Location</c> of its status URL, <c>GET /fhir/$reindex-status/[id]</c>,
/// which answers a Parameters resource (<c>status</c> queued | running | completed | failed, <c>scope</c>,
/// <c>total</c>, <c>done</c>, <c>created</c>, <c>completed</c>, <c>error</c>): 202 while the job is queued or running,
/// 200 once it completed, 500 when it failed. A kick-off while a job of the same scope is active answers 202 with
/// that job's status URL. All three need <c>system/*.cruds</c> (<see cref="ReindexJobs.Demand"/>).
/// </summary>
internal static class ReindexEndpoints
{
    public static void MapReindexEndpoints(this RouteGroupBuilder fhir)
    {
        fhir.MapPost("$reindex", (HttpContext http, ReindexJobs jobs, ReindexSignal signal, CancellationToken ct) =>
            KickOffAsync(http, jobs, signal, null, ct)).WithName("reindex-system");
        fhir.MapPost("{type:fhirResource}/$reindex", (string type, HttpContext http, ReindexJobs jobs, ReindexSignal signal, CancellationToken ct) =>
            KickOffAsync(http, jobs, signal, type, ct)).WithName("reindex-type");
        fhir.MapGet("$reindex-status/{id}", StatusAsync).WithName("reindex-status");
    }

    private static async Task<IResult> KickOffAsync(HttpContext http, ReindexJobs jobs, ReindexSignal signal, string? type, CancellationToken ct)
    {
        var access = http.Access();
        ReindexJobs.Demand(access);
        var (job, existing) = await jobs.KickOffAsync(type, access.ClientId, ct);
        signal.Wake();
        var status = $"{http.BaseUrl()}/$reindex-status/{job.Id}";
        http.Response.Headers.ContentLocation = status;
        return new FhirResult(new FhirResponse(HttpStatusCode.Accepted)
        {
            Outcome = Outcomes.Information(existing
                ? $"A reindex of {job.Scope} is already {job.Status}; poll {status} for its progress."
                : $"The reindex of {job.Scope} ({job.Total} resources) is queued; poll {status} for its progress."),
        });
    }

    private static async Task<IResult> StatusAsync(string id, HttpContext http, ReindexJobs jobs, FhirSerialization fhir, CancellationToken ct)
    {
        ReindexJobs.Demand(http.Access());
        var job = await jobs.FindAsync(id, ct);
        var code = job.Status switch
        {
            ReindexStatus.Completed => HttpStatusCode.OK,
            ReindexStatus.Failed => HttpStatusCode.InternalServerError,
            _ => HttpStatusCode.Accepted,
        };
        if (code == HttpStatusCode.Accepted)
        {
            http.Response.Headers.RetryAfter = "1";
            http.Response.Headers["X-Progress"] = $"{job.Done} of {job.Total} resources reindexed";
        }

        return new FhirResult(new FhirResponse(code) { Resource = ReindexJobs.StatusOf(job, fhir) });
    }
}
