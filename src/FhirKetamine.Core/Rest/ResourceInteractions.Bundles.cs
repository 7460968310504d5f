using System.Globalization;
using System.Net;
using FhirKetamine.Core.Search;
using FhirKetamine.Core.Smart;
using Hl7.Fhir.Model;
using Microsoft.EntityFrameworkCore;

namespace FhirKetamine.Core.Rest;

/// <summary>The interactions that answer with a Bundle: search and history.</summary>
public sealed partial class ResourceInteractions
{
    public async Task<FhirResponse> SearchAsync(FhirRequest request, CancellationToken ct)
    {
        var type = request.ResourceType!;
        var query = queryParser.Parse(type, request.Parameters, request.StrictHandling);
        query.Bounds = ScopeGuard.Bounds(request, 's', queryParser);
        query.IncludeBounds = query.Includes.Count == 0 ? null : ScopeGuard.Bounds(request, 'r', queryParser);

        var page = await replica.Search.ExecuteAsync(query, ct); // may lag behind the primary: see ReadReplica
        // The entries' resources stay the JSON stored for them (stored[i]); FhirSerialization.ToJson(bundle, stored) copies
        // it into the Bundle. A client asking for XML, _summary, _elements or _pretty gets the Bundle parsed and written
        // again (FhirResult), as it got before; a plain JSON client gets this text as it is.
        var bundle = new Bundle { Type = Bundle.BundleType.Searchset, Total = page.Total, Meta = new Meta { LastUpdated = clock.GetUtcNow() } };
        var stored = new List<string?>(page.Matches.Count + page.Included.Count + 2);
        void Add(SearchMatch match, Bundle.SearchEntryMode mode)
        {
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                FullUrl = $"{request.BaseUrl}/{match.Type}/{match.Id}",
                Search = new Bundle.SearchComponent { Mode = mode },
            });
            stored.Add(match.Json);
        }

        foreach (var match in page.Matches)
        {
            Add(match, Bundle.SearchEntryMode.Match);
        }

        foreach (var included in page.Included)
        {
            Add(included, Bundle.SearchEntryMode.Include);
        }

        if (page.IncludesTruncated)
        {
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                Resource = Outcomes.Issue(OperationOutcome.IssueSeverity.Warning, OperationOutcome.IssueType.TooCostly,
                    $"An include level found more than {SearchExecutor.MaxIncludedPerLevel} resources; only the first {SearchExecutor.MaxIncludedPerLevel} are included. Use a smaller _count.", null),
                Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Outcome },
            });
            stored.Add(null);
        }

        if (page.TotalCapped)
        {
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                Resource = Outcomes.Issue(OperationOutcome.IssueSeverity.Information, OperationOutcome.IssueType.Informational,
                    $"More than {SearchExecutor.EstimateCap} resources match; _total=estimate counts no further, so Bundle.total is "
                    + (page.Total is null ? "absent (this database gives no estimate)" : "the database's estimate") + ". Send _total=accurate for the exact count.", null),
                Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Outcome },
            });
            stored.Add(null);
        }

        if (query.Ignored.Count > 0)
        {
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                Resource = Outcomes.Issue(OperationOutcome.IssueSeverity.Warning, OperationOutcome.IssueType.NotSupported,
                    $"Ignored unknown search parameters: {string.Join(", ", query.Ignored)}. Send 'Prefer: handling=strict' to have them refused.", null),
                Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Outcome },
            });
            stored.Add(null);
        }

        // Paging links (keyset, see PageCursor): self repeats this page's own position, first starts over on the same snapshot.
        var basePath = $"{request.BaseUrl}/{type}?";
        var linkParameters = query.ToLinkParameters().ToList();
        var snapshot = new KeyValuePair<string, string>("_snapshot", page.Snapshot.ToString(CultureInfo.InvariantCulture));
        string Link(PageCursor? cursor) => basePath + QueryString.Format(cursor is null
            ? linkParameters.Append(snapshot)
            : linkParameters.Append(new(PageCursor.ParameterName, cursor.Encode())));
        bundle.Link.Add(new Bundle.LinkComponent { Relation = "self", Url = Link(query.Cursor) });
        bundle.Link.Add(new Bundle.LinkComponent { Relation = "first", Url = Link(null) });
        if (page.Previous is { } previous)
        {
            bundle.Link.Add(new Bundle.LinkComponent { Relation = "previous", Url = Link(previous) });
        }

        if (page.Next is { } next)
        {
            bundle.Link.Add(new Bundle.LinkComponent { Relation = "next", Url = Link(next) });
        }

        return new FhirResponse(HttpStatusCode.OK) { ResourceType = "Bundle", StoredJson = fhir.ToJson(bundle, stored) };
    }

    public async Task<FhirResponse> HistoryAsync(FhirRequest request, CancellationToken ct)
    {
        // Instance history follows the caller's own writes (primary); type and system history may lag (replica).
        var store = request.Interaction == Interaction.HistoryInstance ? db : replica.Context;
        var versions = store.Versions.AsNoTracking();
        string path;
        switch (request.Interaction)
        {
            case Interaction.HistoryInstance:
                var (type, id) = Target(request);
                if (!await store.Resources.AnyAsync(r => r.Type == type && r.LogicalId == id, ct))
                {
                    throw FhirException.NotFound($"{type}/{id} is not known.");
                }

                await DemandVisibleAsync(request, ct);

                versions = versions.Where(v => v.Type == type && v.LogicalId == id);
                path = $"{type}/{id}/_history";
                break;
            case Interaction.HistoryType:
                var resourceType = request.ResourceType!;
                versions = versions.Where(v => v.Type == resourceType);
                path = $"{resourceType}/_history";
                break;
            default:
                path = "_history";
                break;
        }

        var count = SearchQuery.DefaultCount;
        var offset = 0;
        long? snapshot = null;
        var kept = new List<KeyValuePair<string, string>>();
        foreach (var (name, value) in request.Parameters)
        {
            switch (name)
            {
                case "_count":
                    count = Math.Clamp(ParseNumber(name, value), 1, SearchQuery.MaxCount);
                    kept.Add(new(name, value));
                    break;
                case "_offset":
                    offset = ParseNumber(name, value);
                    break;
                case "_snapshot":
                    snapshot = ParseNumber(name, value);
                    break;
                case "_since":
                    var since = Instant(name, value);
                    versions = versions.Where(v => v.LastUpdated >= since);
                    kept.Add(new(name, value));
                    break;
                case "_at":
                    // The versions that were current at that moment: the latest of each resource not after it.
                    var (_, _, atEnd) = DateSearch.Parse(name, value);
                    // The range's end is exclusive (half-open, as Firely gives it).
                    versions = versions.Where(v => v.LastUpdated < atEnd
                        && !store.Versions.Any(w => w.ResourceKey == v.ResourceKey && w.LastUpdated < atEnd && w.VersionId > v.VersionId));
                    kept.Add(new(name, value));
                    break;
                case "_format" or "_pretty" or "_summary" or "_elements":
                    break;
                default:
                    throw FhirException.BadRequest($"'{name}' is not a history parameter (use _count, _since, _at).", name);
            }
        }

        versions = request.Interaction == Interaction.HistoryInstance ? versions : VisibleVersions(versions, request, store, replica.Search);
        var cutoff = snapshot ?? await store.Versions.MaxAsync(v => (long?)v.Sequence, ct) ?? 0;
        versions = versions.Where(v => v.Sequence <= cutoff);
        var total = await versions.CountAsync(ct);
        var rows = await versions.OrderByDescending(v => v.Sequence).Skip(offset).Take(count)
            .Select(v => new { v.Type, v.LogicalId, v.VersionId, v.LastUpdated, v.IsDeleted, v.Method, v.Json })
            .ToListAsync(ct);

        var bundle = new Bundle { Type = Bundle.BundleType.History, Total = total, Meta = new Meta { LastUpdated = clock.GetUtcNow() } };
        foreach (var row in rows)
        {
            var method = row.Method switch { "POST" => Bundle.HTTPVerb.POST, "DELETE" => Bundle.HTTPVerb.DELETE, "PATCH" => Bundle.HTTPVerb.PATCH, _ => Bundle.HTTPVerb.PUT };
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                FullUrl = $"{request.BaseUrl}/{row.Type}/{row.LogicalId}",
                Resource = row.IsDeleted ? null : fhir.ParseStored(row.Json),
                Request = new Bundle.RequestComponent { Method = method, Url = method == Bundle.HTTPVerb.POST ? row.Type : $"{row.Type}/{row.LogicalId}" },
                Response = new Bundle.ResponseComponent
                {
                    Status = row.IsDeleted ? "204" : row.VersionId == 1 ? "201" : "200",
                    Etag = $"W/\"{row.VersionId}\"",
                    LastModified = new DateTimeOffset(row.LastUpdated, TimeSpan.Zero),
                },
            });
        }

        string Link(int at) => $"{request.BaseUrl}/{path}?" + QueryString.Format(kept
            .Append(new("_snapshot", cutoff.ToString(CultureInfo.InvariantCulture)))
            .Append(new("_offset", at.ToString(CultureInfo.InvariantCulture))));
        bundle.Link.Add(new Bundle.LinkComponent { Relation = "self", Url = Link(offset) });
        if (offset + rows.Count < total)
        {
            bundle.Link.Add(new Bundle.LinkComponent { Relation = "next", Url = Link(offset + count) });
        }

        if (offset > 0)
        {
            bundle.Link.Add(new Bundle.LinkComponent { Relation = "previous", Url = Link(Math.Max(0, offset - count)) });
        }

        return new FhirResponse(HttpStatusCode.OK) { Resource = bundle };
    }

    private static int ParseNumber(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : throw FhirException.BadRequest($"{name} must be a non-negative integer.", name);

    private static DateTime Instant(string name, string value) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant)
            ? instant.UtcDateTime
            : throw FhirException.BadRequest($"{name} must be an instant, e.g. 2026-01-01T00:00:00Z.", name);
}
