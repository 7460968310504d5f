using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Storage;

using Hl7.Fhir.Model;

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FhirKetamine.Core.Safety;

/// <summary>
/// Links a gateway's vital sign to the infusion session it was taken in (DOMAIN.md §1 and §4; the IG's vital
/// profiles: "Encounter, partOf and the infusion phase are filled in by the server from the session whose period
/// covers the reading"). A gateway knows the patient, the time and its device: when the reading has no
/// <c>encounter</c>, the patient's Encounter whose period covers the effective time becomes it; the phase
/// (extension <c>infusion-phase</c>) follows from the session's infusion Procedure — before its performed period
/// baseline, within it infusion (and <c>partOf</c> the Procedure), after it recovery. What the client sent is
/// never changed, only completed. A device named only by identifier gets the reference of its Device. Runs before
/// the write is queued, so the stored version is the linked one.
/// </summary>
public sealed class SessionLinker(IServiceScopeFactory scopes, FhirSerialization fhir, IOptions<SafetyOptions> options) : IWritePreparer
{
    private const string InfusionProcedure = "14152002";

    public async Task PrepareAsync(ResourceInteractions rest, FhirRequest request, Resource resource, CancellationToken ct)
    {
        if (!options.Value.Enabled || resource is not Observation observation || !IsVitalSign(observation))
        {
            return;
        }

        var device = observation.Device is { Reference: null, Identifier: { System: { } system, Value: { } value } } ? (system, value) : default((string System, string Value)?);
        var patient = SafetyHook.Patient(observation.Subject);
        var when = SafetyHook.When(observation.Effective);
        var link = patient is not null && when is not null && (observation.Encounter is null || PhaseOf(observation) is null);
        if (device is null && !link)
        {
            return;
        }

        // Inside a transaction Bundle its own context sees the entries before this one; otherwise (batch entries
        // are prepared in parallel on one context) a context of its own.
        if (rest.Database.Database.CurrentTransaction is not null)
        {
            await LinkAsync(rest.Database, observation, device, link ? (patient!, when!.Value) : null, ct);
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        await LinkAsync(scope.ServiceProvider.GetRequiredService<FhirDbContext>(), observation, device, link ? (patient!, when!.Value) : null, ct);
    }

    /// <summary>The reading's infusion phase (extension <c>infusion-phase</c>), if it has one.</summary>
    public static string? PhaseOf(Observation observation) =>
        observation.GetExtensionValue<Code>(ThresholdSet.PhaseExtension)?.Value;

    private async Task LinkAsync(FhirDbContext db, Observation observation, (string System, string Value)? device, (string Patient, DateTimeOffset When)? session, CancellationToken ct)
    {
        if (device is { } monitor)
        {
            await LinkDeviceAsync(db, observation, monitor.System, monitor.Value, ct);
        }

        if (session is { } s)
        {
            await LinkSessionAsync(db, observation, s.Patient, s.When, ct);
        }
    }

    /// <summary>
    /// A gateway that names its monitor by identifier (<c>device.identifier</c>, no reference) gets the reference of
    /// the one Device with that identifier; none or several: left as sent.
    /// </summary>
    private static async Task LinkDeviceAsync(FhirDbContext db, Observation observation, string system, string value, CancellationToken ct)
    {
        var ids = await (from t in db.TokenIndex
                         where t.ResourceType == "Device" && t.ParamName == "identifier" && t.Code == value && t.System == system
                         join r in db.Resources on t.ResourceKey equals r.Key
                         where !r.IsDeleted
                         select r.LogicalId)
            .Distinct()
            .Take(2)
            .ToListAsync(ct);
        if (ids.Count == 1)
        {
            observation.Device!.Reference = $"Device/{ids[0]}";
        }
    }

    private async Task LinkSessionAsync(FhirDbContext db, Observation observation, string patient, DateTimeOffset when, CancellationToken ct)
    {
        var encounterId = SafetyHook.Local(observation.Encounter) is { } given && given.StartsWith("Encounter/", StringComparison.Ordinal)
            ? given["Encounter/".Length..]
            : null;
        if (observation.Encounter is null)
        {
            encounterId = await CoveringEncounterAsync(db, patient, when, ct);
            if (encounterId is null)
            {
                return; // not in a session: stored as sent
            }

            observation.Encounter = new ResourceReference($"Encounter/{encounterId}");
        }

        if (encounterId is null || PhaseOf(observation) is not null)
        {
            return;
        }

        var procedures = await (from x in db.ReferenceIndex
                                where x.ResourceType == "Procedure" && x.ParamName == "encounter" && x.TargetType == "Encounter" && x.TargetId == encounterId
                                join r in db.Resources on x.ResourceKey equals r.Key
                                where !r.IsDeleted
                                select db.Versions.Where(v => v.ResourceKey == r.Key && v.VersionId == r.VersionId).Select(v => v.Json).First())
            .ToListAsync(ct);
        var infusion = procedures.Select(fhir.ParseStored).OfType<Procedure>()
            .Where(p => p.Code?.Coding.Any(c => c.Code == InfusionProcedure) == true
                && p.Status is not (EventStatus.EnteredInError or EventStatus.NotDone))
            .OrderByDescending(p => (p.Performed as Period)?.StartElement?.TryToDateTimeOffset(out var s) == true ? s : DateTimeOffset.MinValue)
            .FirstOrDefault();
        var (phase, during) = Phase(infusion, when);
        observation.SetExtension(ThresholdSet.PhaseExtension, new Code(phase));
        if (during && observation.PartOf.Count == 0)
        {
            observation.PartOf.Add(new ResourceReference($"Procedure/{infusion!.Id}"));
        }
    }

    /// <summary>The id of the patient's Encounter whose period covers <paramref name="when"/> (the latest to start), else null.</summary>
    internal static Task<string?> CoveringEncounterAsync(FhirDbContext db, string patient, DateTimeOffset when, CancellationToken ct) =>
        CoveringEncounter.GetValue(db.Model, static _ => CompileCoveringEncounter())(db, patient, when.UtcDateTime, ct);

    /// <summary>
    /// Compiled once per model: asked for every vital sign a gateway posts (and again by the safety rules in the writer),
    /// where EF Core's per-call translation-cache lookup (hashing and comparing the expression tree) cost more than the
    /// query. EF Core binds a compiled query to the model it first ran with, so a process holding two models (a test
    /// process running SQLite and PostgreSQL servers side by side) needs one per model.
    /// </summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Microsoft.EntityFrameworkCore.Metadata.IModel,
        Func<FhirDbContext, string, DateTime, CancellationToken, Task<string?>>> CoveringEncounter = new();

    private static Func<FhirDbContext, string, DateTime, CancellationToken, Task<string?>> CompileCoveringEncounter() =>
        EF.CompileAsyncQuery((FhirDbContext db, string patient, DateTime at, CancellationToken ct) =>
            (from x in db.ReferenceIndex
             where x.ResourceType == "Encounter" && x.ParamName == "subject" && x.TargetType == "Patient" && x.TargetId == patient
             join d in db.DateIndex on x.ResourceKey equals d.ResourceKey
             where d.ParamName == "date" && d.Start <= at && d.End >= at
             join r in db.Resources on x.ResourceKey equals r.Key
             where !r.IsDeleted
             orderby d.Start descending
             select r.LogicalId)
            .FirstOrDefault());

    /// <summary>Baseline before the infusion's performed period (or with no infusion started), infusion within it, recovery after.</summary>
    private static (string Phase, bool During) Phase(Procedure? infusion, DateTimeOffset when)
    {
        if (infusion?.Performed is not Period period || period.StartElement is null || !period.StartElement.TryToDateTimeOffset(out var start) || when < start)
        {
            return ("baseline", false);
        }

        return period.EndElement is not null && period.EndElement.TryToDateTimeOffset(out var end) && when > end
            ? ("recovery", false)
            : ("infusion", true);
    }

    private static bool IsVitalSign(Observation observation) =>
        observation.Category.Any(c => c.Coding.Any(x => x.Code == "vital-signs" && x.System == "http://terminology.hl7.org/CodeSystem/observation-category"));
}
