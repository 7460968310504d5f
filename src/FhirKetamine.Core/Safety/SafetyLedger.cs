using System.Globalization;

using FhirKetamine.Core.Rest;

using Hl7.Fhir.Model;

using Microsoft.EntityFrameworkCore;

namespace FhirKetamine.Core.Safety;

/// <summary>
/// Turns findings into records, inside the triggering write's transaction: a breach with no open Flag for that
/// rule and patient raises a DetectedIssue, a Flag and a Communication (DOMAIN.md §5); a breach with one open
/// adds nothing; a reading back in range closes the open Flag. Each Flag carries the identifier
/// <c><see cref="EpisodeSystem"/>|{rule}:{patient}</c> (<c>{rule}:{patient}:{scope}</c> for a finding with a
/// <see cref="SafetyFinding.Scope"/>, e.g. one discharge per session), so the open one is found by one indexed token lookup.
/// Every finding that matters becomes an issue in the write's response.
/// </summary>
public sealed class SafetyLedger(FhirSerialization fhir, TimeProvider clock)
{
    /// <summary>Identifier system of the Flags the rules raise; the value is <c>{rule}:{patient id}</c>, or <c>{rule}:{patient id}:{scope}</c>.</summary>
    public const string EpisodeSystem = "http://fhir-ketamine.org/fhir/safety-flag";

    private const string FlagDetail = "http://hl7.org/fhir/StructureDefinition/flag-detail";

    public async Task ApplyAsync(WriteEvent write, SafetyTrigger trigger, IReadOnlyList<SafetyFinding> findings, CancellationToken ct)
    {
        var byEpisode = findings.GroupBy(f => EpisodeKey(f, trigger.PatientId), StringComparer.Ordinal)
            .Select(g => g.FirstOrDefault(f => f.Breached) ?? g.First())
            .ToList();
        var open = await OpenFlagsAsync(write.Rest, byEpisode.Select(f => EpisodeKey(f, trigger.PatientId)).ToList(), ct);
        foreach (var finding in byEpisode)
        {
            var flag = open.GetValueOrDefault(EpisodeKey(finding, trigger.PatientId));
            if (finding.Breached)
            {
                if (flag is not null)
                {
                    write.Issues.Add(Warning(finding, $"{finding.Detail} The breach is ongoing: Flag/{flag.Id} stays active (no new flag)."));
                    continue;
                }

                var raised = await RaiseAsync(write.Rest, trigger, finding, ct);
                write.Issues.Add(Warning(finding, $"{finding.Detail} Raised Flag/{raised.Flag} and DetectedIssue/{raised.Issue}."));
            }
            else if (flag is not null && !StartsAfter(flag, trigger.When))
            {
                flag.Status = Flag.FlagStatus.Inactive;
                flag.Period ??= new Period();
                flag.Period.EndElement = Instant(trigger.When);
                await write.Rest.UpdateInCurrentTransactionAsync(flag, ct);
                write.Issues.Add(new OperationOutcome.IssueComponent
                {
                    Severity = OperationOutcome.IssueSeverity.Information,
                    Code = OperationOutcome.IssueType.Informational,
                    Details = Details(finding.Rule),
                    Diagnostics = $"Safety rule {finding.Rule.Id}: {finding.Detail} Flag/{flag.Id} closed.",
                });
            }
        }
    }

    /// <summary>The active Flag of each episode key: the newest Flag with that identifier, if active.</summary>
    private async Task<Dictionary<string, Flag>> OpenFlagsAsync(ResourceInteractions rest, List<string> keys, CancellationToken ct)
    {
        var db = rest.Database;
        var rows = await (from t in db.TokenIndex
                          where t.ResourceType == "Flag" && t.ParamName == "identifier" && t.System == EpisodeSystem && keys.Contains(t.Code)
                          join r in db.Resources on t.ResourceKey equals r.Key
                          where !r.IsDeleted
                          select new { t.Code, r.Key, r.VersionId })
            .ToListAsync(ct);
        var open = new Dictionary<string, Flag>(StringComparer.Ordinal);
        foreach (var newest in rows.GroupBy(r => r.Code).Select(g => g.MaxBy(r => r.Key)!))
        {
            var json = await db.Versions.AsNoTracking()
                .Where(v => v.ResourceKey == newest.Key && v.VersionId == newest.VersionId)
                .Select(v => v.Json)
                .FirstAsync(ct);
            if (fhir.ParseStored(json) is Flag { Status: Flag.FlagStatus.Active } flag)
            {
                open[newest.Code] = flag;
            }
        }

        return open;
    }

    private async Task<(string Issue, string Flag)> RaiseAsync(ResourceInteractions rest, SafetyTrigger trigger, SafetyFinding finding, CancellationToken ct)
    {
        var rule = finding.Rule;
        var patient = new ResourceReference($"Patient/{trigger.PatientId}");
        var code = new CodeableConcept
        {
            Coding =
            [
                new Coding(SafetyRule.CodeSystem, rule.Id, rule.Display),
                new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", rule.ActCode),
            ],
            Text = rule.Display,
        };
        var issue = new DetectedIssue
        {
            Status = ObservationStatus.Final,
            Code = code,
            Severity = finding.Severity,
            Patient = patient,
            Identified = Instant(trigger.When),
            Implicated = [.. new[] { trigger.Reference }.Concat(finding.Implicated).Distinct(StringComparer.Ordinal).Select(r => new ResourceReference(r))],
            Evidence =
            [
                new DetectedIssue.EvidenceComponent
                {
                    Detail = [.. (finding.Evidence.Count > 0 ? finding.Evidence : [trigger.Reference]).Distinct(StringComparer.Ordinal).Select(r => new ResourceReference(r))],
                },
            ],
            Detail = finding.Detail,
            Reference = $"{SafetyRule.CodeSystem}#{rule.Id}",
        };
        var issueId = (await rest.CreateInCurrentTransactionAsync(issue, ct)).Id!;

        var flag = new Flag
        {
            Identifier = [new Identifier(EpisodeSystem, EpisodeKey(finding, trigger.PatientId))],
            Status = Flag.FlagStatus.Active,
            Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/flag-category", "safety", "Safety")],
            Code = new CodeableConcept { Coding = [new Coding(SafetyRule.CodeSystem, rule.Id, rule.Display)], Text = rule.Display },
            Subject = patient,
            Period = new Period { StartElement = Instant(trigger.When) },
            Encounter = trigger.Encounter is null ? null : new ResourceReference(trigger.Encounter),
        };
        flag.Extension.Add(new Extension(FlagDetail, new ResourceReference($"DetectedIssue/{issueId}")));
        var flagId = (await rest.CreateInCurrentTransactionAsync(flag, ct)).Id!;

        var communication = new Communication
        {
            Status = EventStatus.Completed,
            Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/communication-category", "alert", "Alert")],
            Priority = rule.Priority,
            Subject = patient,
            Encounter = trigger.Encounter is null ? null : new ResourceReference(trigger.Encounter),
            About = [new ResourceReference($"DetectedIssue/{issueId}"), new ResourceReference($"Flag/{flagId}"), new ResourceReference(trigger.Reference)],
            SentElement = new FhirDateTime(clock.GetUtcNow()),
            Payload = [new Communication.PayloadComponent { Content = new FhirString(finding.Detail) }],
        };
        await rest.CreateInCurrentTransactionAsync(communication, ct);
        return (issueId, flagId);
    }

    private static string EpisodeKey(SafetyFinding finding, string patientId) =>
        finding.Scope is null ? $"{finding.Rule.Id}:{patientId}" : $"{finding.Rule.Id}:{patientId}:{finding.Scope}";

    /// <summary>A reading taken before the breach began (a late upload) does not end it.</summary>
    private static bool StartsAfter(Flag flag, DateTimeOffset when) =>
        flag.Period?.StartElement?.TryToDateTimeOffset(out var start) == true && start > when;

    private static FhirDateTime Instant(DateTimeOffset when) => new(when);

    private static CodeableConcept Details(SafetyRule rule) => new(SafetyRule.CodeSystem, rule.Id, rule.Display);

    private static OperationOutcome.IssueComponent Warning(SafetyFinding finding, string text) => new()
    {
        Severity = OperationOutcome.IssueSeverity.Warning,
        Code = OperationOutcome.IssueType.BusinessRule,
        Details = Details(finding.Rule),
        Diagnostics = $"Safety rule {finding.Rule.Id} ({finding.Severity.ToString().ToLower(CultureInfo.InvariantCulture)}): {text}",
    };
}
