using FhirKetamine.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace FhirKetamine.Server.Smart;

/// <summary>The patients a user may pick at launch (all of them: the clinic has no care-team model yet), newest first, by name.</summary>
internal sealed class PatientPicker(FhirDbContext db)
{
    public sealed record Choice(string Id, string Name);

    public async Task<IReadOnlyList<Choice>> ListAsync(string? search, CancellationToken ct)
    {
        var patients = db.Resources.AsNoTracking().Where(r => r.Type == "Patient" && !r.IsDeleted);
        if (!string.IsNullOrWhiteSpace(search))
        {
            var term = search.Trim().ToLowerInvariant();
            patients = patients.Where(r => db.StringIndex.Any(s => s.ResourceKey == r.Key && s.ParamName == "name" && s.Normalized.StartsWith(term)));
        }

        var rows = await patients.OrderByDescending(r => r.LastUpdated).Take(50).Select(r => new { r.Key, r.LogicalId }).ToListAsync(ct);
        var keys = rows.Select(r => r.Key).ToList();
        var names = await db.StringIndex.AsNoTracking().Where(s => keys.Contains(s.ResourceKey) && (s.ParamName == "family" || s.ParamName == "given"))
            .Select(s => new { s.ResourceKey, s.ParamName, s.Exact }).ToListAsync(ct);
        return rows.Select(r => new Choice(r.LogicalId, string.Join(' ', names.Where(n => n.ResourceKey == r.Key).OrderBy(n => n.ParamName == "family").Select(n => n.Exact)))).ToList();
    }

    public Task<bool> ExistsAsync(string id, CancellationToken ct) =>
        db.Resources.AnyAsync(r => r.Type == "Patient" && r.LogicalId == id && !r.IsDeleted, ct);
}
