using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Search;
using FhirKetamine.Core.Storage;

using Hl7.Fhir.Model;

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FhirKetamine.Core.Export;

/// <summary>
/// Bulk Data Access v2 <c>$export</c> (hl7.org/fhir/uv/bulkdata/export.html): checks a kick-off and queues
/// its job, answers the status of a job and cancels one. The work itself is <see cref="ExportRunner"/>'s,
/// in the background. <c>_typeFilter</c> queries are parsed and checked by the search engine
/// (<see cref="SearchQueryParser"/>, <see cref="SearchExecutor"/>): what it cannot search is refused here.
/// </summary>
public sealed partial class BulkExport(
    FhirDbContext db,
    SearchQueryParser parser,
    SearchExecutor search,
    ExportCancellations cancellations,
    IOptions<ExportOptions> options,
    TimeProvider clock)
{
    /// <summary>The <c>_outputFormat</c> values the spec asks a server to accept; all mean NDJSON.</summary>
    public static readonly IReadOnlySet<string> OutputFormats = new HashSet<string>(StringComparer.Ordinal)
    {
        "application/fhir+ndjson", "application/ndjson", "ndjson",
    };

    /// <summary>Result parameters: they shape a search's pages, which an export does not have.</summary>
    private static readonly HashSet<string> ResultParameters = new(StringComparer.Ordinal)
    {
        "_count", "_offset", "_sort", "_total", "_snapshot", "_format", "_pretty", "_summary", "_elements",
        "_include", "_revinclude", "_contained", "_containedType",
    };

    /// <summary>Validates the kick-off, stores the job as queued and returns it.</summary>
    public async Task<ExportJobRow> KickOffAsync(ExportRequest request, CancellationToken ct)
    {
        var access = request.Access;
        if (!ExportScopes.CanReadAnything(access.Scopes))
        {
            throw new FhirException(HttpStatusCode.Forbidden, OperationOutcome.IssueType.Forbidden,
                "Bulk export needs a system/ or user/ read scope (e.g. system/*.rs or system/Observation.rs).");
        }

        var compartment = request.Level != ExportLevel.System;
        List<string>? types = null;
        DateTime? since = null;
        var typeFilters = new List<string>();
        foreach (var (name, value) in request.Parameters)
        {
            switch (name)
            {
                case "_outputFormat":
                    if (!OutputFormats.Contains(value))
                    {
                        throw FhirException.BadRequest($"_outputFormat '{value}' is not supported; use application/fhir+ndjson.", "_outputFormat");
                    }

                    break;
                case "_type":
                    types ??= [];
                    types.AddRange(value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                    break;
                case "_since":
                    since = ParseInstant(value);
                    break;
                case "_typeFilter":
                    typeFilters.AddRange(TypeFilterSeparator().Split(value).Where(f => f.Length > 0));
                    break;
                default:
                    throw FhirException.BadRequest($"$export does not support the parameter '{name}'; it takes _outputFormat, _type, _since and _typeFilter.", name);
            }
        }

        foreach (var type in types ?? [])
        {
            if (!ModelInfo.IsKnownResource(type))
            {
                throw FhirException.BadRequest($"_type: '{type}' is not a FHIR R4 resource type.", "_type");
            }

            if (compartment && !PatientCompartment.R4.ParametersByType.ContainsKey(type))
            {
                throw FhirException.BadRequest($"_type: {type} is not in the Patient compartment, so a {request.Level}-level export has none.", "_type");
            }

            DemandRead(access.Scopes, type);
        }

        foreach (var filter in typeFilters)
        {
            await CheckTypeFilterAsync(filter, types, compartment, access.Scopes, ct);
        }

        if (request.Level == ExportLevel.Group)
        {
            var exists = await db.Resources.AnyAsync(r => r.Type == "Group" && r.LogicalId == request.GroupId && !r.IsDeleted, ct);
            if (!exists)
            {
                throw FhirException.NotFound($"Group/{request.GroupId} is not known.");
            }
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var job = new ExportJobRow
        {
            Id = Guid.NewGuid().ToString("N"),
            Status = ExportStatus.Queued,
            Level = request.Level,
            GroupId = request.GroupId,
            Types = types is null ? null : string.Join(',', types.Distinct(StringComparer.Ordinal)),
            Since = since,
            TypeFilters = typeFilters.Count == 0 ? null : string.Join('\n', typeFilters),
            Request = request.RequestUrl,
            BaseUrl = request.BaseUrl,
            ClientId = access.ClientId,
            Scopes = ExportScopes.Format(access.Scopes),
            TransactionTime = now,
            SnapshotSequence = await db.Versions.MaxAsync(v => (long?)v.Sequence, ct) ?? 0,
            CreatedUtc = now,
            Progress = "Queued",
        };
        db.ExportJobs.Add(job);
        await db.SaveChangesAsync(ct);
        return job;
    }

    /// <summary>The job, if it exists, is still wanted and belongs to the caller; else 404 or 403.</summary>
    public async Task<ExportJobRow> FindAsync(string id, string? clientId, CancellationToken ct)
    {
        var job = await db.ExportJobs.AsNoTracking().FirstOrDefaultAsync(j => j.Id == id, ct);
        if (job is null || job.Status == ExportStatus.Cancelled || job.ExpiresUtc < clock.GetUtcNow().UtcDateTime)
        {
            throw FhirException.NotFound($"There is no export job '{id}' (it may have been cancelled or have expired).");
        }

        if (job.ClientId != clientId)
        {
            throw new FhirException(HttpStatusCode.Forbidden, OperationOutcome.IssueType.Forbidden,
                "This export was started by another client; only that client may see it.");
        }

        return job;
    }

    /// <summary>
    /// Marks the job cancelled and deletes its files. A worker of this process stops at once; one of another
    /// instance at its next heartbeat (and deletes what it wrote). The row goes with the next sweep.
    /// </summary>
    public async Task CancelAsync(string id, string? clientId, CancellationToken ct)
    {
        var job = await FindAsync(id, clientId, ct);
        await db.ExportJobs.Where(j => j.Id == job.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, ExportStatus.Cancelled).SetProperty(j => j.Owner, (string?)null), ct);
        cancellations.Cancel(job.Id);
        ExportRunner.TryDeleteFolder(options.Value, job.Id, out _);
    }

    /// <summary>Splits one <c>Type?query</c> and checks it with the search engine, running it once to be sure it translates.</summary>
    private async Task CheckTypeFilterAsync(string filter, List<string>? types, bool compartment, IReadOnlyList<Smart.SmartScope> scopes, CancellationToken ct)
    {
        var query = ParseTypeFilter(filter, parser);
        var type = query.ResourceType;
        if (types is not null && !types.Contains(type, StringComparer.Ordinal))
        {
            throw FhirException.BadRequest($"_typeFilter '{filter}' is for {type}, which _type does not list.", "_typeFilter");
        }

        if (compartment && !PatientCompartment.R4.ParametersByType.ContainsKey(type))
        {
            throw FhirException.BadRequest($"_typeFilter: {type} is not in the Patient compartment.", "_typeFilter");
        }

        DemandRead(scopes, type);
        await search.PrepareAsync(query, ct);
        await search.Filter(query).Select(r => r.Key).Take(1).ToListAsync(ct);
    }

    /// <summary>Parses <c>Type?name=value&amp;…</c> strictly: an unknown parameter or a result parameter is a 400.</summary>
    internal static SearchQuery ParseTypeFilter(string filter, SearchQueryParser parser)
    {
        var question = filter.IndexOf('?', StringComparison.Ordinal);
        var type = question < 0 ? filter : filter[..question];
        if (question < 0 || !ModelInfo.IsKnownResource(type))
        {
            throw FhirException.BadRequest($"_typeFilter '{filter}' must be a search like Observation?code=http://loinc.org|8867-4.", "_typeFilter");
        }

        var parameters = QueryString.Parse(filter[(question + 1)..]);
        if (parameters.Count == 0)
        {
            throw FhirException.BadRequest($"_typeFilter '{filter}' has no search parameters.", "_typeFilter");
        }

        foreach (var (name, _) in parameters)
        {
            var bare = name.Split(':')[0];
            if (ResultParameters.Contains(bare))
            {
                throw FhirException.BadRequest($"_typeFilter '{filter}': '{bare}' shapes search pages and cannot filter an export.", "_typeFilter");
            }
        }

        try
        {
            return parser.Parse(type, parameters, strict: true);
        }
        catch (FhirException e)
        {
            throw FhirException.BadRequest($"_typeFilter '{filter}' cannot be run by this server's search: {e.Message}", "_typeFilter");
        }
    }

    private static void DemandRead(IReadOnlyList<Smart.SmartScope> scopes, string type)
    {
        if (!ExportScopes.CanRead(scopes, type))
        {
            throw new FhirException(HttpStatusCode.Forbidden, OperationOutcome.IssueType.Forbidden,
                $"The access token does not grant read on {type}, so it cannot be exported.");
        }
    }

    private static DateTime ParseInstant(string value)
    {
        // An instant: a date, a time and a zone (R4 datatypes.html#instant); a bare date is read as UTC midnight.
        // An unencoded '+' of a zone offset arrives as a space (form decoding), so it is put back.
        value = value.Replace(' ', '+');
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var instant))
        {
            return instant.UtcDateTime;
        }

        throw FhirException.BadRequest($"_since '{value}' is not a FHIR instant (e.g. 2026-11-01T00:00:00Z).", "_since");
    }

    /// <summary>A comma that starts the next <c>Type?</c> query; commas inside a query (value lists) stay.</summary>
    [GeneratedRegex(@",(?=[A-Z][A-Za-z]*\?)")]
    private static partial Regex TypeFilterSeparator();
}