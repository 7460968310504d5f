using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Storage;

using Hl7.Fhir.Model;

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FhirKetamine.Core.Safety;

/// <summary>
/// The thresholds of the stored ObservationDefinitions, held in memory: every vital sign is checked against them,
/// so reading them must cost nothing. Re-read every <see cref="SafetyOptions.ThresholdRefreshSeconds"/> (a
/// change through another instance on the same database) and at once after a write of an ObservationDefinition
/// through this instance — then for a couple of seconds on every use, so a reload that raced the writing
/// transaction's commit cannot keep the old values.
/// </summary>
public sealed class SafetyThresholds(FhirSerialization fhir, IOptions<SafetyOptions> options, TimeProvider clock)
{
    private static readonly TimeSpan DistrustAfterWrite = TimeSpan.FromSeconds(2);

    private volatile Snapshot? _current;
    private long _distrustUntilTicks;

    /// <summary>The thresholds, read through <paramref name="db"/> when the cached ones are stale (in its transaction, if one is open).</summary>
    public async ValueTask<ThresholdSet> GetAsync(FhirDbContext db, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcTicks;
        var current = _current;
        var maxAge = TimeSpan.FromSeconds(Math.Max(0, options.Value.ThresholdRefreshSeconds)).Ticks;
        if (current is not null && now - current.LoadedTicks < maxAge && now >= Interlocked.Read(ref _distrustUntilTicks))
        {
            return current.Set;
        }

        var rows = await db.Resources.AsNoTracking()
            .Where(r => r.Type == "ObservationDefinition" && !r.IsDeleted)
            .Select(r => db.Versions.Where(v => v.ResourceKey == r.Key && v.VersionId == r.VersionId).Select(v => v.Json).First())
            .ToListAsync(ct);
        var set = ThresholdSet.From(rows.Select(fhir.ParseStored).OfType<ObservationDefinition>());
        _current = new Snapshot(set, now);
        return set;
    }

    /// <summary>An ObservationDefinition was written or deleted through this instance.</summary>
    public void Invalidate()
    {
        _current = null;
        Interlocked.Exchange(ref _distrustUntilTicks, (clock.GetUtcNow() + DistrustAfterWrite).UtcTicks);
    }

    private sealed record Snapshot(ThresholdSet Set, long LoadedTicks);
}
