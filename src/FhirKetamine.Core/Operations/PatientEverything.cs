using System.Globalization;
using System.Net;

using FhirKetamine.Core.Audit;
using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Search;
using FhirKetamine.Core.Storage;

using Hl7.Fhir.Model;

using Microsoft.EntityFrameworkCore;

namespace FhirKetamine.Core.Operations;

/// <summary>
/// <c>Patient/[id]/$everything</c> (R4 patient-operation-everything): the Patient, every current resource in its
/// compartment (<see cref="PatientCompartment"/>, read from the reference index), and the resources those point to
/// through a reference search parameter (Medication, Device, Practitioner, Location, Organization…) unless they
/// belong to another patient's compartment. <c>_type</c>, <c>_since</c> and <c>_count</c> narrow and page it; only the
/// types the caller may read are included (<see cref="PatientAccess"/>). A searchset Bundle whose next links keep
/// a snapshot, like search, so pages do not shift while new resources arrive.
/// </summary>
public sealed class PatientEverything(FhirDbContext db, FhirSerialization fhir, PatientCompartment compartment, TimeProvider clock)
{
    public const string Name = "$everything";
    public const string Definition = "http://hl7.org/fhir/OperationDefinition/Patient-everything";
    public const int DefaultCount = 50;

    private static readonly HashSet<string> ShapeParameters = ["_format", "_pretty", "_summary", "_elements"];

    public async Task<FhirResponse> RunAsync(FhirRequest request, CancellationToken ct)
    {
        var id = request.Id ?? throw FhirException.BadRequest("Patient/[id]/$everything needs a patient id.");
        var (types, since, count, offset, snapshot, kept) = ParseParameters(request);

        var patient = await db.Resources.AsNoTracking().Where(r => r.Type == "Patient" && r.LogicalId == id)
            .Select(r => new { r.Key, r.IsDeleted, r.LastUpdated }).FirstOrDefaultAsync(ct)
            ?? throw FhirException.NotFound($"Patient/{id} is not known.");
        if (patient.IsDeleted)
        {
            throw new FhirException(HttpStatusCode.Gone, OperationOutcome.IssueType.Deleted, $"Patient/{id} was deleted.");
        }

        var access = PatientAccess.Demand(request.Access, id);
        bool Wanted(string type) => (types is null ? !AuditPolicy.IsAccountability(type) : types.Contains(type)) && access.CanRead(type);

        var cutoff = snapshot ?? await db.Resources.MaxAsync(r => (long?)r.Key, ct) ?? 0;
        var memberTypes = compartment.ParametersByType.Keys.ToList();
        var memberParameters = compartment.ParameterNames.ToList();

        // 1. The compartment: every current resource with a membership reference to Patient/{id}.
        var links = await (from x in db.ReferenceIndex
                           where x.TargetType == "Patient" && x.TargetId == id
                                 && memberTypes.Contains(x.ResourceType) && memberParameters.Contains(x.ParamName)
                           join r in db.Resources on x.ResourceKey equals r.Key
                           where !r.IsDeleted && r.Key <= cutoff
                           select new { r.Key, r.Type, x.ParamName, r.LastUpdated })
            .ToListAsync(ct);
        var members = links.Where(l => compartment.IsMembership(l.Type, l.ParamName) && l.Key != patient.Key)
            .DistinctBy(l => l.Key).ToList();
        var memberKeys = members.Select(m => m.Key).Append(patient.Key).ToList();

        // 2. What the patient and its compartment point to, through any indexed reference; not what an AuditEvent or a
        // Provenance points to unless _type asks for them (they are left out, and they name what was read or written).
        var sourceKeys = members.Where(m => !AuditPolicy.IsAccountability(m.Type) || types?.Contains(m.Type) == true).Select(m => m.Key).Append(patient.Key).ToList();
        var targets = await db.ReferenceIndex
            .Where(x => EF.Parameter(sourceKeys).Contains(x.ResourceKey) && x.TargetType != null)
            .Select(x => new { x.TargetType, x.TargetId })
            .Distinct()
            .ToListAsync(ct);
        var targetIds = targets.Select(t => t.TargetId).Distinct().ToList();
        var wanted = targets.Select(t => (t.TargetType!, t.TargetId)).ToHashSet();
        var referenced = (await db.Resources.AsNoTracking()
                .Where(r => EF.Parameter(targetIds).Contains(r.LogicalId) && !r.IsDeleted && r.Key <= cutoff)
                .Select(r => new { r.Key, r.Type, r.LogicalId, r.LastUpdated })
                .ToListAsync(ct))
            .Where(r => wanted.Contains((r.Type, r.LogicalId)) && !memberKeys.Contains(r.Key))
            .ToList();

        // A referenced resource that is in some other patient's compartment is that patient's record: left out.
        var referencedKeys = referenced.Where(r => compartment.ParametersByType.ContainsKey(r.Type)).Select(r => r.Key).ToList();
        var otherPatients = (await db.ReferenceIndex
                .Where(x => EF.Parameter(referencedKeys).Contains(x.ResourceKey) && x.TargetType == "Patient")
                .Select(x => new { x.ResourceKey, x.ResourceType, x.ParamName })
                .ToListAsync(ct))
            .Where(x => compartment.IsMembership(x.ResourceType, x.ParamName))
            .Select(x => x.ResourceKey)
            .ToHashSet();

        var entries = new List<(long Key, Bundle.SearchEntryMode Mode)>();
        if (Wanted("Patient") && (since is null || patient.LastUpdated >= since))
        {
            entries.Add((patient.Key, Bundle.SearchEntryMode.Match));
        }

        entries.AddRange(members.Where(m => Wanted(m.Type) && (since is null || m.LastUpdated >= since))
            .OrderBy(m => m.Key).Select(m => (m.Key, Bundle.SearchEntryMode.Match)));
        entries.AddRange(referenced.Where(r => Wanted(r.Type) && !otherPatients.Contains(r.Key) && (since is null || r.LastUpdated >= since))
            .OrderBy(r => r.Key).Select(r => (r.Key, Bundle.SearchEntryMode.Include)));

        // 3. The page's JSON, current versions only.
        var page = entries.Skip(offset).Take(count).ToList();
        var pageKeys = page.Select(e => e.Key).ToList();
        var stored = await db.Resources.AsNoTracking()
            .Where(r => EF.Parameter(pageKeys).Contains(r.Key))
            .Select(r => new
            {
                r.Key, r.Type, r.LogicalId,
                Json = db.Versions.Where(v => v.ResourceKey == r.Key && v.VersionId == r.VersionId).Select(v => v.Json).First(),
            })
            .ToDictionaryAsync(r => r.Key, ct);

        var bundle = new Bundle { Type = Bundle.BundleType.Searchset, Total = entries.Count, Meta = new Meta { LastUpdated = clock.GetUtcNow() } };
        foreach (var (key, mode) in page)
        {
            var row = stored[key];
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                FullUrl = $"{request.BaseUrl}/{row.Type}/{row.LogicalId}",
                Resource = fhir.ParseStored(row.Json),
                Search = new Bundle.SearchComponent { Mode = mode },
            });
        }

        string Link(int at) => $"{request.BaseUrl}/Patient/{id}/{Name}?" + QueryString.Format(kept
            .Append(new("_count", count.ToString(CultureInfo.InvariantCulture)))
            .Append(new("_snapshot", cutoff.ToString(CultureInfo.InvariantCulture)))
            .Append(new("_offset", at.ToString(CultureInfo.InvariantCulture))));
        bundle.Link.Add(new Bundle.LinkComponent { Relation = "self", Url = Link(offset) });
        bundle.Link.Add(new Bundle.LinkComponent { Relation = "first", Url = Link(0) });
        if (offset > 0)
        {
            bundle.Link.Add(new Bundle.LinkComponent { Relation = "previous", Url = Link(Math.Max(0, offset - count)) });
        }

        if (offset + count < entries.Count)
        {
            bundle.Link.Add(new Bundle.LinkComponent { Relation = "next", Url = Link(offset + count) });
        }

        return new FhirResponse(HttpStatusCode.OK) { Resource = bundle };
    }

    private static (HashSet<string>? Types, DateTime? Since, int Count, int Offset, long? Snapshot, List<KeyValuePair<string, string>> Kept)
        ParseParameters(FhirRequest request)
    {
        HashSet<string>? types = null;
        DateTime? since = null;
        var count = DefaultCount;
        var offset = 0;
        long? snapshot = null;
        var kept = new List<KeyValuePair<string, string>>();
        foreach (var (name, value) in request.Parameters)
        {
            switch (name)
            {
                case "_type":
                    types ??= new HashSet<string>(StringComparer.Ordinal);
                    foreach (var type in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        types.Add(ModelInfo.IsKnownResource(type) ? type : throw FhirException.BadRequest($"_type: '{type}' is not a FHIR R4 resource type.", "_type"));
                    }

                    kept.Add(new(name, value));
                    break;
                case "_since":
                    since = DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant)
                        ? instant.UtcDateTime
                        : throw FhirException.BadRequest("_since must be an instant, e.g. 2026-01-01T00:00:00Z.", "_since");
                    kept.Add(new(name, value));
                    break;
                case "_count":
                    count = Math.Clamp(Number(name, value), 1, SearchQuery.MaxCount);
                    break;
                case "_offset":
                    offset = Number(name, value);
                    break;
                case "_snapshot":
                    snapshot = Number(name, value);
                    break;
                case "start" or "end":
                    throw new FhirException(HttpStatusCode.BadRequest, OperationOutcome.IssueType.NotSupported,
                        $"$everything '{name}' (care dates) is not supported by this server; use _since or _type.", name);
                default:
                    if (!ShapeParameters.Contains(name))
                    {
                        throw FhirException.BadRequest($"'{name}' is not a parameter of $everything (use _type, _since, _count).", name);
                    }

                    break;
            }
        }

        return (types, since, count, offset, snapshot, kept);
    }

    private static int Number(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : throw FhirException.BadRequest($"{name} must be a non-negative integer.", name);
}
