using System.Globalization;
using System.Text;
using System.Text.Json;

using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Search;
using FhirKetamine.Core.Storage;

using Hl7.Fhir.Model;

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FhirKetamine.Core.Export;

/// <summary>
/// Runs export jobs: claims the next queued one (or one whose worker's lease ran out), streams each type's
/// resources from the database to an NDJSON file in keyset pages (never the whole set in memory), and
/// completes the job with its manifest in one update. An attempt always starts from an empty folder, so a
/// job interrupted by a restart is redone from scratch and never leaves a half manifest.
/// </summary>
public sealed partial class ExportRunner(
    FhirDbContext db,
    SearchQueryParser parser,
    SearchExecutor search,
    FhirSerialization fhir,
    ExportCancellations cancellations,
    IOptions<ExportOptions> options,
    TimeProvider clock,
    ILogger<ExportRunner> logger)
{
    public const string ErrorFileName = "errors.ndjson";

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private ExportOptions Options => options.Value;

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <summary>The folder of a job (every attempt below it); the configured <see cref="ExportOptions.Directory"/> must be set.</summary>
    public static string JobDirectory(ExportOptions options, string jobId) =>
        Path.Combine(options.Directory ?? throw new InvalidOperationException("Export:Directory is not resolved."), jobId);

    /// <summary>The path of a finished job's file, or null when the name is not one of its files.</summary>
    public static string? FilePath(ExportOptions options, ExportJobRow job, string name)
    {
        if (job.Status != ExportStatus.Completed || name.Length > 80 || !name.EndsWith(".ndjson", StringComparison.Ordinal)
            || !name[..^".ndjson".Length].All(char.IsAsciiLetter))
        {
            return null;
        }

        var path = Path.Combine(JobDirectory(options, job.Id), job.Attempt.ToString(CultureInfo.InvariantCulture), name);
        return File.Exists(path) ? path : null;
    }

    /// <summary>Takes the oldest claimable job for <paramref name="owner"/>, or null when there is none.</summary>
    public async Task<ExportJobRow?> ClaimNextAsync(string owner, CancellationToken ct)
    {
        var now = Now;
        var candidates = await db.ExportJobs.AsNoTracking()
            .Where(j => j.Status == ExportStatus.Queued || (j.Status == ExportStatus.Running && j.LeaseExpiresUtc < now))
            .OrderBy(j => j.CreatedUtc)
            .Select(j => new { j.Id, j.Attempt })
            .Take(8)
            .ToListAsync(ct);
        var lease = now.AddSeconds(Options.LeaseSeconds);
        foreach (var candidate in candidates)
        {
            // The attempt number makes the claim a compare-and-swap: of two workers, one updates the row.
            var claimed = await db.ExportJobs
                .Where(j => j.Id == candidate.Id && j.Attempt == candidate.Attempt
                    && (j.Status == ExportStatus.Queued || (j.Status == ExportStatus.Running && j.LeaseExpiresUtc < now)))
                .ExecuteUpdateAsync(s => s
                    .SetProperty(j => j.Status, ExportStatus.Running)
                    .SetProperty(j => j.Owner, owner)
                    .SetProperty(j => j.Attempt, candidate.Attempt + 1)
                    .SetProperty(j => j.LeaseExpiresUtc, lease)
                    .SetProperty(j => j.Progress, "Started"), ct);
            if (claimed == 1)
            {
                return await db.ExportJobs.AsNoTracking().FirstAsync(j => j.Id == candidate.Id, ct);
            }
        }

        return null;
    }

    /// <summary>
    /// Runs a claimed job to its end: completed with a manifest, failed with an OperationOutcome, given up
    /// (cancelled or taken over: its files are deleted), or, when <paramref name="stopping"/> fires, put back
    /// in the queue to be redone from scratch on the next start.
    /// </summary>
    public async Task RunAsync(ExportJobRow job, string owner, CancellationToken stopping)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        cancellations.Register(job.Id, cancel);
        try
        {
            var manifest = await ExportAsync(job, owner, cancel.Token);
            var now = Now;
            var completed = await Mine(job, owner).ExecuteUpdateAsync(s => s
                .SetProperty(j => j.Status, ExportStatus.Completed)
                .SetProperty(j => j.Manifest, manifest)
                .SetProperty(j => j.Progress, "Completed")
                .SetProperty(j => j.CompletedUtc, now)
                .SetProperty(j => j.ExpiresUtc, now.AddHours(Options.RetentionHours))
                .SetProperty(j => j.Owner, (string?)null)
                .SetProperty(j => j.LeaseExpiresUtc, (DateTime?)null), CancellationToken.None);
            if (completed == 0)
            {
                throw new ExportAbandonedException();
            }

            LogCompleted(logger, job.Id, job.Attempt);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            DeleteFiles(job.Id);
            await Mine(job, owner).ExecuteUpdateAsync(s => s
                .SetProperty(j => j.Status, ExportStatus.Queued)
                .SetProperty(j => j.Owner, (string?)null)
                .SetProperty(j => j.LeaseExpiresUtc, (DateTime?)null)
                .SetProperty(j => j.Progress, "Queued again: the server stopped while the export ran"), CancellationToken.None);
            LogRequeued(logger, job.Id);
        }
        catch (Exception e) when (e is ExportAbandonedException or OperationCanceledException)
        {
            // Cancelled by DELETE, or another worker took the job over: nothing of this attempt is kept.
            DeleteFiles(job.Id);
            LogAbandoned(logger, job.Id);
        }
        catch (Exception e)
        {
            LogFailed(logger, e, job.Id);
            DeleteFiles(job.Id);
            var outcome = fhir.ToJson(e is FhirException fe ? fe.Outcome
                : Outcomes.Error(OperationOutcome.IssueType.Exception, $"The export failed; quote job {job.Id} to the operator."));
            var now = Now;
            await Mine(job, owner).ExecuteUpdateAsync(s => s
                .SetProperty(j => j.Status, ExportStatus.Failed)
                .SetProperty(j => j.Error, outcome)
                .SetProperty(j => j.Progress, "Failed")
                .SetProperty(j => j.CompletedUtc, now)
                .SetProperty(j => j.ExpiresUtc, now.AddHours(Options.RetentionHours))
                .SetProperty(j => j.Owner, (string?)null), CancellationToken.None);
        }
        finally
        {
            cancellations.Unregister(job.Id);
        }
    }

    /// <summary>Deletes expired and cancelled jobs with their files.</summary>
    public async Task<int> SweepAsync(CancellationToken ct)
    {
        var now = Now;
        var gone = await db.ExportJobs.AsNoTracking()
            .Where(j => j.ExpiresUtc < now || j.Status == ExportStatus.Cancelled)
            .Select(j => j.Id)
            .ToListAsync(ct);
        foreach (var id in gone)
        {
            DeleteFiles(id);
            await db.ExportJobs.Where(j => j.Id == id && (j.ExpiresUtc < now || j.Status == ExportStatus.Cancelled)).ExecuteDeleteAsync(ct);
        }

        return gone.Count;
    }

    public void DeleteFiles(string jobId)
    {
        if (!TryDeleteFolder(Options, jobId, out var error))
        {
            LogDeleteFailed(logger, error, jobId);
        }
    }

    /// <summary>Deletes a job's folder; false (with the error) when the file system refused.</summary>
    public static bool TryDeleteFolder(ExportOptions options, string jobId, out Exception? error)
    {
        var folder = JobDirectory(options, jobId);
        error = null;
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = e;
        }

        return error is null;
    }

    private IQueryable<ExportJobRow> Mine(ExportJobRow job, string owner) =>
        db.ExportJobs.Where(j => j.Id == job.Id && j.Owner == owner && j.Status == ExportStatus.Running);

    private async Task<string> ExportAsync(ExportJobRow job, string owner, CancellationToken ct)
    {
        DeleteFiles(job.Id);
        var folder = Path.Combine(JobDirectory(Options, job.Id), job.Attempt.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(folder);

        var scopes = ExportScopes.Parse(job.Scopes);
        var errors = new List<OperationOutcome>();
        var patients = job.Level == ExportLevel.Group ? await GroupPatientsAsync(job, errors, ct) : null;
        var filters = (job.TypeFilters ?? string.Empty).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(f => BulkExport.ParseTypeFilter(f, parser))
            .GroupBy(q => q.ResourceType, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        foreach (var filter in filters.Values.SelectMany(f => f))
        {
            await search.PrepareAsync(filter, ct); // :in ValueSets, expanded before the queries are built
        }

        var types = (await TypesAsync(job, ct)).Where(t => ExportScopes.CanRead(scopes, t)).Order(StringComparer.Ordinal).ToList();

        var output = new List<ExportFile>();
        var heartbeat = new Heartbeat(this, job, owner);
        long written = 0;
        for (var i = 0; i < types.Count; i++)
        {
            var type = types[i];
            var query = Versions(job, type, filters.GetValueOrDefault(type), patients);
            var name = type + ".ndjson";
            var count = await WriteFileAsync(query, Path.Combine(folder, name), async (inFile) =>
                await heartbeat.BeatAsync($"{type} ({i + 1} of {types.Count} types): {written + inFile} resources written", ct), ct);
            written += count;
            if (count > 0)
            {
                output.Add(new ExportFile(type, name, count));
            }
        }

        var errorFiles = new List<ExportFile>();
        if (errors.Count > 0)
        {
            await using var stream = new StreamWriter(Path.Combine(folder, ErrorFileName), append: false, Utf8);
            foreach (var error in errors)
            {
                await stream.WriteAsync(fhir.ToJson(error).AsMemory(), ct);
                await stream.WriteAsync("\n".AsMemory(), ct);
            }

            errorFiles.Add(new ExportFile("OperationOutcome", ErrorFileName, errors.Count));
        }

        return ExportManifest.Write(job, output, errorFiles);
    }

    /// <summary>
    /// Each resource as it was at kick-off: the newest version at or below the snapshot sequence, not a
    /// deletion; <c>_since</c>, the <c>_typeFilter</c> searches (OR-ed) and the Patient compartment narrow it.
    /// </summary>
    private IQueryable<ResourceVersionRow> Versions(ExportJobRow job, string type, List<SearchQuery>? filters, List<string>? patients)
    {
        var snapshot = job.SnapshotSequence;
        var versions = db.Versions.AsNoTracking().Where(v => v.Type == type && v.Sequence <= snapshot && !v.IsDeleted
            && !db.Versions.Any(w => w.ResourceKey == v.ResourceKey && w.VersionId > v.VersionId && w.Sequence <= snapshot));
        if (job.Since is { } since)
        {
            versions = versions.Where(v => v.LastUpdated > since);
        }

        if (filters is { Count: > 0 })
        {
            var keys = filters.Select(f => search.Filter(f).Select(r => r.Key)).Aggregate((a, b) => a.Union(b));
            versions = versions.Where(v => keys.Contains(v.ResourceKey));
        }

        if (job.Level == ExportLevel.System)
        {
            return versions;
        }

        if (type == "Patient")
        {
            return patients is null ? versions : versions.Where(v => patients.Contains(v.LogicalId));
        }

        var parameters = PatientCompartment.R4.ParametersByType[type].ToList();
        return patients is null
            ? versions.Where(v => db.ReferenceIndex.Any(x => x.ResourceKey == v.ResourceKey && parameters.Contains(x.ParamName) && x.TargetType == "Patient"))
            : versions.Where(v => db.ReferenceIndex.Any(x => x.ResourceKey == v.ResourceKey && parameters.Contains(x.ParamName) && x.TargetType == "Patient"
                && patients.Contains(x.TargetId)));
    }

    /// <summary>Streams the query to one NDJSON file in keyset pages of <see cref="ExportOptions.PageSize"/>; an empty file is removed.</summary>
    private async Task<long> WriteFileAsync(IQueryable<ResourceVersionRow> query, string path, Func<long, Task> afterPage, CancellationToken ct)
    {
        long count = 0;
        long last = 0;
        var pageSize = Math.Max(1, Options.PageSize);
        await using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16, FileOptions.Asynchronous))
        await using (var writer = new StreamWriter(file, Utf8, 1 << 16))
        {
            while (true)
            {
                var inPage = 0;
                await foreach (var row in query.Where(v => v.Sequence > last).OrderBy(v => v.Sequence).Take(pageSize)
                    .Select(v => new { v.Sequence, v.Json }).AsAsyncEnumerable().WithCancellation(ct))
                {
                    writer.Write(OneLine(row.Json));
                    writer.Write('\n');
                    last = row.Sequence;
                    inPage++;
                }

                count += inPage;
                await writer.FlushAsync(ct);
                await afterPage(count);
                if (inPage < pageSize)
                {
                    break;
                }

                if (Options.PauseBetweenPagesMs > 0)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(Options.PauseBetweenPagesMs), clock, ct);
                }
            }
        }

        if (count == 0)
        {
            File.Delete(path);
        }

        return count;
    }

    /// <summary>Stored JSON is written compact; anything else (a hand-loaded row) is compacted so each resource stays one NDJSON line.</summary>
    private static string OneLine(string json)
    {
        if (json.AsSpan().IndexOfAny('\n', '\r') < 0)
        {
            return json;
        }

        using var document = JsonDocument.Parse(json);
        return JsonSerializer.Serialize(document.RootElement);
    }

    private async Task<IEnumerable<string>> TypesAsync(ExportJobRow job, CancellationToken ct)
    {
        if (job.Types is { } requested)
        {
            return requested.Split(',', StringSplitOptions.RemoveEmptyEntries);
        }

        if (job.Level != ExportLevel.System)
        {
            // The patients' records: their audit trail and Provenance only when _type names them.
            return PatientCompartment.R4.ParametersByType.Keys.Where(t => !Audit.AuditPolicy.IsAccountability(t));
        }

        return await db.Resources.Select(r => r.Type).Distinct().ToListAsync(ct);
    }

    /// <summary>The ids of the Group's active Patient members; a member that is not a known Patient becomes an error line.</summary>
    private async Task<List<string>> GroupPatientsAsync(ExportJobRow job, List<OperationOutcome> errors, CancellationToken ct)
    {
        var json = await db.Resources.Where(r => r.Type == "Group" && r.LogicalId == job.GroupId && !r.IsDeleted)
            .Select(r => db.Versions.Where(v => v.ResourceKey == r.Key && v.VersionId == r.VersionId).Select(v => v.Json).First())
            .FirstOrDefaultAsync(ct)
            ?? throw FhirException.NotFound($"Group/{job.GroupId} was deleted before the export ran.");
        var group = (Group)fhir.ParseStored(json);
        var ids = new List<string>();
        foreach (var member in group.Member.Where(m => m.Inactive != true))
        {
            var reference = member.Entity?.Reference ?? string.Empty;
            var parts = reference.Split('/');
            if (parts.Length >= 2 && parts[^2] == "Patient" && parts[^1].Length > 0)
            {
                ids.Add(parts[^1]);
            }
            else
            {
                errors.Add(Outcomes.Error(OperationOutcome.IssueType.NotSupported,
                    $"Group/{job.GroupId} member '{reference}' is not a Patient reference; it was skipped."));
            }
        }

        var known = await db.Resources.Where(r => r.Type == "Patient" && !r.IsDeleted && ids.Contains(r.LogicalId)).Select(r => r.LogicalId).ToListAsync(ct);
        foreach (var missing in ids.Except(known, StringComparer.Ordinal))
        {
            errors.Add(Outcomes.Error(OperationOutcome.IssueType.NotFound, $"Group/{job.GroupId} member Patient/{missing} does not exist; it was skipped."));
        }

        return known;
    }

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Export {JobId} completed (attempt {Attempt})")]
    private static partial void LogCompleted(ILogger logger, string jobId, int attempt);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "Export {JobId} put back in the queue: the server is stopping")]
    private static partial void LogRequeued(ILogger logger, string jobId);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Information, Message = "Export {JobId} given up (cancelled or taken over); its files are deleted")]
    private static partial void LogAbandoned(ILogger logger, string jobId);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Error, Message = "Export {JobId} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string jobId);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Warning, Message = "Could not delete the files of export {JobId}")]
    private static partial void LogDeleteFailed(ILogger logger, Exception? exception, string jobId);

    /// <summary>Renews the lease and writes the progress at most once a second; a lost claim ends the attempt.</summary>
    private sealed class Heartbeat(ExportRunner runner, ExportJobRow job, string owner)
    {
        private long _lastBeat = Environment.TickCount64;

        public async Task BeatAsync(string progress, CancellationToken ct)
        {
            ct.ThrowIfCancellationRequested();
            if (Environment.TickCount64 - _lastBeat < 1000)
            {
                return;
            }

            _lastBeat = Environment.TickCount64;
            var lease = runner.Now.AddSeconds(runner.Options.LeaseSeconds);
            var mine = await runner.Mine(job, owner).ExecuteUpdateAsync(s => s
                .SetProperty(j => j.LeaseExpiresUtc, lease)
                .SetProperty(j => j.Progress, progress), ct);
            if (mine == 0)
            {
                throw new ExportAbandonedException();
            }
        }
    }
}