using System.Diagnostics;
using System.Net;

using FhirKetamine.Core.Rest;

using Firely.Fhir.Validation;

using Hl7.Fhir.Model;

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

using Canonical = Firely.Fhir.Validation.Canonical;

namespace FhirKetamine.Core.Validation;

/// <summary>
/// The one validation service: every write and <c>$validate</c> come here. A resource is validated
/// against core R4, every profile of its <c>meta.profile</c> (an unknown one is an error naming it),
/// every profile whose <c>applies-when</c> rule matches its content (<see cref="ProfileSelector"/>) and every global
/// profile an ImplementationGuide on the server declares for its type.
/// Thread-safe: the current <see cref="ValidationContext"/> is immutable and shared, each call builds a
/// cheap new Firely <see cref="Validator"/> over it, and a conformance resource written through the API
/// swaps in a new context (built off the request thread) before the write returns.
/// </summary>
public sealed partial class ResourceValidator(
    IOptions<ValidationOptions> options,
    IConformanceStore store,
    FhirSerialization fhir,
    ILogger<ResourceValidator> logger,
    Search.UcumCanonicalizer? ucum = null)
{
    private readonly Lock _initialGate = new();
    private readonly SemaphoreSlim _rebuildGate = new(1, 1);
    private ValidationContext? _context;
    private Task<ValidationContext>? _initial;
    private Task? _warmUp;
    private (string Key, string Fingerprint, ValidationContext Base, ValidationContext Candidate)? _candidate;

    // The newest stored version handed over per conformance resource (under _rebuildGate): a write and the
    // other-instance poll can hand over versions out of order, and an older one must not replace a newer one.
    private readonly Dictionary<string, int> _versions = new(StringComparer.Ordinal);

    public ValidationMode Mode => options.Value.Mode;

    /// <summary>True once <see cref="WarmUpAsync"/> has compiled the core and custom schemas.</summary>
    public bool IsWarm { get; private set; }

    /// <summary>
    /// Validates <paramref name="resource"/> and returns every issue (an empty outcome when there is none).
    /// <paramref name="extraProfiles"/> (the <c>profile</c> parameter of <c>$validate</c>) are added to the selection.
    /// </summary>
    public async Task<OperationOutcome> ValidateAsync(Resource resource, IReadOnlyCollection<string>? extraProfiles, CancellationToken ct, string? baseUrl = null)
    {
        var context = await ContextAsync(ct);
        var outcome = Validate(context, resource, extraProfiles ?? [], baseUrl, ct);
        if (resource is StructureDefinition profile && !outcome.HasErrors())
        {
            outcome.Issue.AddRange(await CheckProfileAsync(context, profile));
        }

        return outcome;
    }

    /// <summary>
    /// The check every write makes: with <c>Validation:Mode=Enforce</c> an error or fatal issue throws 422
    /// with the whole outcome; otherwise the outcome (maybe empty) is returned for the response.
    /// A StructureDefinition is also compiled, so a broken profile is refused here and not at ingest.
    /// </summary>
    public async Task<OperationOutcome> CheckWriteAsync(Resource resource, CancellationToken ct, string? baseUrl = null)
    {
        if (Mode == ValidationMode.Off)
        {
            return new OperationOutcome();
        }

        var context = await ContextAsync(ct);
        var outcome = Validate(context, resource, [], baseUrl, ct);
        if (resource is StructureDefinition profile && !outcome.HasErrors())
        {
            outcome.Issue.AddRange(await CheckProfileAsync(context, profile));
        }

        if (outcome.HasErrors())
        {
            var errors = outcome.Errors().ToList();
            LogInvalid(logger, resource.TypeName, string.Join(", ", ProfilesOf(context, resource)), errors.Count, errors[0].Expression.FirstOrDefault() ?? resource.TypeName);
            if (Mode == ValidationMode.Enforce)
            {
                throw new FhirException(HttpStatusCode.UnprocessableEntity, outcome);
            }
        }

        return outcome;
    }

    /// <summary>
    /// After a StructureDefinition, ValueSet or CodeSystem was stored (or deleted: <paramref name="resource"/>
    /// null), the next validation uses it: a new context is built off-thread and swapped in atomically.
    /// Storing what the validator already has (the IG package at each start) changes nothing, nor does a
    /// <paramref name="version"/> older than one already handed over (e.g. the poll of other instances' changes
    /// read version 1 just before this instance stored version 2).
    /// </summary>
    public async Task ConformanceChangedAsync(string type, string id, int? version, Resource? resource, CancellationToken ct)
    {
        if (!ConformanceResource.IsConformance(type) || (Volatile.Read(ref _context) is null && Volatile.Read(ref _initial) is null))
        {
            return; // not a conformance resource, or the first context is yet to be read from the store
        }

        var key = $"{type}/{id}";
        var changed = resource is null ? null : ConformanceResource.Of(resource, r => fhir.ToJson(r));
        await _rebuildGate.WaitAsync(ct);
        try
        {
            if (version is { } v)
            {
                if (_versions.TryGetValue(key, out var newest) && v < newest)
                {
                    return;
                }

                _versions[key] = v;
            }

            var current = await ContextAsync(ct);
            current.Custom.TryGetValue(key, out var known);
            if (known?.Fingerprint == changed?.Fingerprint)
            {
                return;
            }

            var watch = Stopwatch.StartNew();
            var next = _candidate is { } c && c.Key == key && c.Fingerprint == changed?.Fingerprint && ReferenceEquals(c.Base, current)
                ? c.Candidate
                : await Task.Run(() => current.With(key, changed), ct);
            _candidate = null;
            Volatile.Write(ref _context, next);
            LogSwapped(logger, key, next.Custom.Count, watch.ElapsedMilliseconds);
        }
        finally
        {
            _rebuildGate.Release();
        }
    }

    /// <summary>
    /// Builds the first context and compiles every custom profile, single-threaded, then reports warm
    /// (<see cref="IsWarm"/>) and goes on compiling every other core resource type. Runs once: a second call
    /// returns the first one's task (start-up begins it as soon as the store is ready; the hosted service awaits it).
    /// </summary>
    public Task WarmUpAsync(CancellationToken ct)
    {
        lock (_initialGate)
        {
            return _warmUp ??= WarmUpOnceAsync(ct);
        }
    }

    private async Task WarmUpOnceAsync(CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var context = await ContextAsync(ct);
        var built = watch.Elapsed;
        await Task.Run(() =>
        {
            // The custom profiles first (they pull in the types the clinic writes most); the rest of core after ready.
            foreach (var url in context.Profiles.Keys.Append("http://hl7.org/fhir/StructureDefinition/Patient"))
            {
                ct.ThrowIfCancellationRequested();
                Compile(context, url);
            }

            // One validation of a vital sign warms the terminology expansions and FHIRPath caches too.
            _ = Validate(context, new Observation
            {
                Status = ObservationStatus.Final,
                Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs")],
                Code = new CodeableConcept("http://loinc.org", "8867-4"),
                Subject = new ResourceReference("Patient/warm-up"),
                Effective = new FhirDateTime("2025-01-01T00:00:00Z"),
                Value = new Quantity { Value = 60, Unit = "/min", System = "http://unitsofmeasure.org", Code = "/min" },
            }, []);
        }, ct);
        IsWarm = true;
        LogWarm(logger, context.Core.LoadTime.TotalMilliseconds, built.TotalMilliseconds, watch.Elapsed.TotalMilliseconds, context.CompiledSchemas, context.Custom.Count);
        await Task.Run(() =>
        {
            foreach (var url in context.Core.ResourceTypeUrls)
            {
                ct.ThrowIfCancellationRequested();
                Compile(context, url);
            }
        }, ct);
    }

    private OperationOutcome Validate(ValidationContext context, Resource resource, IReadOnlyCollection<string> extraProfiles, string? baseUrl = null, CancellationToken ct = default)
    {
        var outcome = new OperationOutcome();
        var declared = resource.Meta?.Profile?.ToList() ?? [];
        for (var i = 0; i < declared.Count; i++)
        {
            if (declared[i] is { } url && !context.Knows(url))
            {
                var issue = Outcomes.ValidationError(OperationOutcome.IssueType.NotSupported,
                    $"Profile '{url}' in meta.profile is not known to this server; load it (POST StructureDefinition) or remove it.",
                    $"{resource.TypeName}.meta.profile[{i}]");
                if (options.Value.UnknownProfiles == UnresolvedPolicy.Warning)
                {
                    issue.Severity = OperationOutcome.IssueSeverity.Warning;
                }

                outcome.Issue.Add(issue);
            }
        }

        foreach (var url in extraProfiles.Where(p => !context.Knows(p)))
        {
            outcome.Issue.Add(Outcomes.ValidationError(OperationOutcome.IssueType.NotSupported, $"Profile '{url}' is not known to this server.", resource.TypeName));
        }

        var added = context.Selector.Select(resource)
            .Concat(context.Globals.TryGetValue(resource.TypeName, out var globals) ? globals.Where(context.Knows) : [])
            .Concat(extraProfiles.Where(context.Knows))
            .Where(p => !declared.Contains(p))
            .Distinct(StringComparer.Ordinal)
            .Select(p => new Canonical(p))
            .ToArray();
        var root = resource.TypeName;

        // Unknown meta.profiles are reported above, once and by name; the validator skips them.
        var settings = new ValidationSettings
        {
            // What every other FHIRPath user in the validator falls back to anyway; without it each run's slice-discriminator
            // cache builds a new SymbolTable (its compiled paths still live for one run only: bench/README.md, steady state).
            FhirPathCompiler = FhirPathValidator.DefaultCompiler,
            SelectValidationProfiles = (location, original, _, _) =>
            {
                var known = original.Where(p => context.Knows(p.ToString())).ToArray();
                return location == root ? [.. known, .. added] : known;
            },
        };
        // A reader of reference targets only when the resource has a value where a profile in play constrains a target
        // beyond its core type: with a resolver Firely asks for every external reference and validates more slowly
        // (measured: 2.5 times slower on the IG's vital signs), so a heart rate whose only reference is its subject
        // (Reference(Patient), core) neither reads the store nor pays for asking; one with an encounter does.
        var targets = NeedsTargets(context, resource, declared.OfType<string>().Where(context.Knows).Concat(added.Select(p => p.ToString())))
            ? new ReferenceTargetResolver(store, resource, baseUrl, ct)
            : null;
        // The instance rules first: they drop null list items (reporting them), on which the validator would throw.
        var instanceIssues = InstanceRules.Check(resource, context.IsValueSetUrl);
        var validator = new Validator(context.Resolver, context.Terminology, targets, settings, context.Schemas);
        var result = validator.Validate(resource);
        foreach (var issue in result.Issue)
        {
            if (targets is not null && IsDeclinedResolution(issue, targets))
            {
                continue;
            }

            if (!issue.Expression.Any() && issue.Location.Any())
            {
                issue.Expression = issue.Location.ToList();
            }

            if ((resource is StructureDefinition && IsTypeExtensionContextIssue(issue)) || IsNonOidUrnOidUri(issue))
            {
                issue.Severity = OperationOutcome.IssueSeverity.Warning;
            }

            outcome.Issue.Add(issue);
        }

        DropRepeatedTargetTypeIssues(outcome.Issue);
        DropBindingIssuesOnWrongType(outcome.Issue);
        DropRegexIssuesOnEmptyValues(outcome.Issue);
        if (resource is Bundle bundle)
        {
            BundleRules.DropRepeatedR5Invariants(outcome.Issue);
            outcome.Issue.AddRange(BundleRules.Check(bundle));
        }

        outcome.Issue.AddRange(instanceIssues);
        if (resource is StructureDefinition sd)
        {
            // A definition the StructureDefinition names: this server's, else core's; null when neither knows it.
            StructureDefinition? Known(string url) => context.Profiles.TryGetValue(url.Split('|')[0], out var custom) ? custom
                : context.Core.StructureDefinitionUrls.Contains(url.Split('|')[0]) ? context.Core.Resolver.ResolveByCanonicalUri(url) as StructureDefinition
                : null;
            outcome.Issue.AddRange(StructureDefinitionRules.Check(sd, url => Known(url)?.Type));
            outcome.Issue.AddRange(StructureDefinitionRules.CheckFixedValues(sd, Known));
        }

        return outcome;
    }

    private static bool NeedsTargets(ValidationContext context, Resource resource, IEnumerable<string> profiles)
    {
        foreach (var profile in profiles)
        {
            var paths = context.Schemas.ReadingPaths(profile);
            if (paths is null || paths.Any(p => ReferenceTargets.HasValueAt(resource, p)))
            {
                return true;
            }
        }

        // Profiles of contained resources and Bundle entries: where their paths start is not worked out here.
        return NestedProfiles(resource).Any(p => context.Schemas.ReadingPaths(p) is not { Count: 0 });
    }

    /// <summary>The <c>meta.profile</c>s of contained resources and Bundle entries (their own, not the root's).</summary>
    private static IEnumerable<string> NestedProfiles(Resource resource)
    {
        IEnumerable<Resource> nested = resource is DomainResource domain ? domain.Contained : [];
        if (resource is Bundle bundle)
        {
            nested = bundle.Entry.Select(e => e.Resource).OfType<Resource>()
                .SelectMany(r => r is DomainResource d ? d.Contained.Prepend(r) : [r]);
        }

        return nested.SelectMany(r => r.Meta?.Profile ?? []).OfType<string>();
    }

    /// <summary>Firely's "Cannot resolve reference" for a reference the resolver was not asked to read (a core-typed target).</summary>
    private static bool IsDeclinedResolution(OperationOutcome.IssueComponent issue, ReferenceTargetResolver targets) =>
        issue.Text() is { } text && text.StartsWith("Cannot resolve reference ", StringComparison.Ordinal)
        && targets.Declined.ContainsKey(text["Cannot resolve reference ".Length..]);

    /// <summary>
    /// Firely's "not a valid URI" for a <c>uri</c> value that is <c>urn:oid:</c> followed by something that is not an OID (and
    /// has no whitespace): R4 holds only the <c>oid</c> type to the OID syntax (<c>uri</c>'s regex is <c>\S*</c>, which Firely
    /// also checks), so this is said as a warning (RFC 3001's urn:oid namespace is for OIDs), not as an error. The parser
    /// accepts such a value for the same reason (<see cref="FhirSerialization"/>).
    /// </summary>
    private static bool IsNonOidUrnOidUri(OperationOutcome.IssueComponent issue)
    {
        const string prefix = "Value '", suffix = "' is not a valid URI";
        return issue.Severity is OperationOutcome.IssueSeverity.Error && issue.Text() is { } text
            && text.StartsWith(prefix, StringComparison.Ordinal) && text.EndsWith(suffix, StringComparison.Ordinal)
            && text.Length >= prefix.Length + suffix.Length && FhirSerialization.IsUriOfNonOidUrnOid(text[prefix.Length..^suffix.Length]);
    }

    /// <summary>
    /// A target of the wrong type found in the Bundle (or the store) is the same problem as the type its URL implies
    /// (<see cref="ReferenceTargets"/>): one issue, the URL's.
    /// </summary>
    private static void DropRepeatedTargetTypeIssues(List<OperationOutcome.IssueComponent> issues)
    {
        var implied = issues.Where(i => (i.Text() ?? string.Empty).Contains("implied by the reference URL", StringComparison.Ordinal))
            .Select(i => i.Expression.FirstOrDefault() ?? string.Empty).ToHashSet(StringComparer.Ordinal);
        if (implied.Count > 0)
        {
            issues.RemoveAll(i => (i.Text() ?? string.Empty).StartsWith("Referenced resource '", StringComparison.Ordinal)
                && (i.Text() ?? string.Empty).Contains("which is not one of the allowed target types", StringComparison.Ordinal)
                && implied.Contains(i.Expression.FirstOrDefault() ?? string.Empty));
        }
    }

    /// <summary>
    /// A value of a type the element does not allow (a string where the profile allows only Quantity) is one problem, the
    /// type's: Firely also checks the element's binding against that value and reports it outside the value set, which says
    /// nothing more (Java reports the type only). Runs over the issues only when there is such a type issue.
    /// </summary>
    private static void DropBindingIssuesOnWrongType(List<OperationOutcome.IssueComponent> issues) =>
        DropAtPlacesOf(issues,
            place: text => text.Contains("is incompatible with that of the instance", StringComparison.Ordinal),
            drop: text => text.Contains("value set", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// A primitive without a value (<c>&lt;implicitRules id="i1"/&gt;</c>) is reported by <c>ele-1</c> ("All FHIR elements
    /// must have a @value or children"). Firely also matches the missing value, as the empty string, against the type's
    /// regex, which is the same problem again; next to an <c>ele-1</c> issue at the same place it is dropped.
    /// </summary>
    private static void DropRegexIssuesOnEmptyValues(List<OperationOutcome.IssueComponent> issues) =>
        DropAtPlacesOf(issues,
            place: text => text.StartsWith("Instance failed constraint ele-1 ", StringComparison.Ordinal),
            drop: text => text.StartsWith("Value '' does not match regex ", StringComparison.Ordinal));

    /// <summary>
    /// Drops the issues <paramref name="drop"/> picks by text (never one <paramref name="place"/> picks) at an expression
    /// where an issue <paramref name="place"/> picks was reported: the same problem said a second way. Runs over the issues
    /// a second time only when there is such a place.
    /// </summary>
    private static void DropAtPlacesOf(List<OperationOutcome.IssueComponent> issues, Func<string, bool> place, Func<string, bool> drop)
    {
        HashSet<string>? places = null;
        foreach (var issue in issues)
        {
            if (place(issue.Text() ?? string.Empty))
            {
                (places ??= new(StringComparer.Ordinal)).Add(issue.Expression.FirstOrDefault() ?? string.Empty);
            }
        }

        if (places is not null)
        {
            issues.RemoveAll(i => i.Text() is var text && drop(text ?? string.Empty) && !place(text ?? string.Empty)
                && places.Contains(i.Expression.FirstOrDefault() ?? string.Empty));
        }
    }

    /// <summary>A StructureDefinition must compile into a schema, and its rules must be enforceable.</summary>
    private async Task<List<OperationOutcome.IssueComponent>> CheckProfileAsync(ValidationContext context, StructureDefinition profile)
    {
        var issues = new List<OperationOutcome.IssueComponent>();
        if (profile.Url is null)
        {
            return issues;
        }

        foreach (var constraint in (profile.Differential?.Element ?? []).Concat(profile.Snapshot?.Element ?? []).SelectMany(e => e.Constraint))
        {
            if (constraint.Expression?.Contains("conformsTo(", StringComparison.Ordinal) == true)
            {
                issues.Add(Outcomes.ValidationError(OperationOutcome.IssueType.NotSupported,
                    $"Constraint {constraint.Key} uses conformsTo(), which this validator cannot evaluate; it would not be enforced.", "StructureDefinition.differential"));
            }
        }

        if (ProfileSelector.CompileError(profile) is { } ruleError)
        {
            issues.Add(Outcomes.ValidationError(OperationOutcome.IssueType.Invalid, $"The applies-when rule does not compile: {ruleError}", "StructureDefinition.extension"));
        }

        if (issues.Count > 0)
        {
            return issues;
        }

        var key = $"StructureDefinition/{profile.Id}";
        var entry = ConformanceResource.Of(profile, r => fhir.ToJson(r));
        var candidate = await Task.Run(() => context.With(key, entry));
        var error = Compile(candidate, profile.Url);
        if (error is not null)
        {
            issues.Add(Outcomes.ValidationError(OperationOutcome.IssueType.Invalid, $"The profile cannot be used for validation: {error}", "StructureDefinition"));
        }
        else
        {
            _candidate = (key, entry.Fingerprint, context, candidate);
        }

        return issues;
    }

    private string? Compile(ValidationContext context, string url)
    {
        try
        {
            return context.Schemas.GetSchema(new Canonical(url)) is null ? $"'{url}' could not be resolved." : null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogCompileFailed(logger, url, ex.Message);
            return ex.Message;
        }
    }

    /// <summary>The current context (built on first use); the terminology operations read it too.</summary>
    internal Task<ValidationContext> ContextAsync(CancellationToken ct)
    {
        if (Volatile.Read(ref _context) is { } context)
        {
            return Task.FromResult(context);
        }

        lock (_initialGate)
        {
            if (_initial is null || _initial.IsFaulted || _initial.IsCanceled)
            {
                _initial = Task.Run(() => LoadInitialAsync(CancellationToken.None), CancellationToken.None);
            }

            return _initial.WaitAsync(ct);
        }
    }

    private async Task<ValidationContext> LoadInitialAsync(CancellationToken ct)
    {
        var core = CoreSpecification.Instance;
        var custom = new List<ConformanceResource>();
        foreach (var folder in options.Value.PackageFolders.Where(Directory.Exists))
        {
            foreach (var file in Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal))
            {
                var name = Path.GetFileName(file);
                if (name.StartsWith('.') || name == "package.json" || !ConformanceResource.IsConformance(name.Split('-')[0]))
                {
                    continue;
                }

                custom.Add(ConformanceResource.Of(fhir.ParseStored(await File.ReadAllTextAsync(file, ct)), r => fhir.ToJson(r)));
            }
        }

        custom.AddRange((await store.LoadAsync(ct)).Select(r => ConformanceResource.Of(r, x => fhir.ToJson(x))));
        var context = ValidationContext.Build(core, custom, ucum: ucum);
        Volatile.Write(ref _context, context);
        return context;
    }

    /// <summary>
    /// SUSHI and the R5-era tools put <c>structuredefinition-fhir-type</c> on <c>ElementDefinition.type</c>
    /// where R4 declares it for <c>type.code</c>; Firely calls that an error, which would refuse every
    /// profile they build (the IG's own included). Kept, as a warning, only in that place.
    /// </summary>
    private static bool IsTypeExtensionContextIssue(OperationOutcome.IssueComponent issue) =>
        (issue.Text() ?? string.Empty).StartsWith("Extension used outside of appropriate contexts", StringComparison.Ordinal)
        && issue.Expression.Any(e => e is not null && e.Contains(".element[", StringComparison.Ordinal) && e.Contains("].type[", StringComparison.Ordinal));

    private static IEnumerable<string> ProfilesOf(ValidationContext context, Resource resource) =>
        new[] { $"core {resource.TypeName}" }
            .Concat(resource.Meta?.Profile.OfType<string>() ?? [])
            .Concat(context.Selector.Select(resource))
            .Distinct(StringComparer.Ordinal);


    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "{ResourceType} is invalid against {Profiles}: {Errors} error(s), the first at {Expression}")]
    private static partial void LogInvalid(ILogger logger, string resourceType, string profiles, int errors, string expression);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Validator warm: core parsed in {CoreMs:F0} ms, context in {ContextMs:F0} ms, warm in {TotalMs:F0} ms; {Schemas} schemas compiled, {Custom} custom conformance resources")]
    private static partial void LogWarm(ILogger logger, double coreMs, double contextMs, double totalMs, int schemas, int custom);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Information, Message = "Validation context rebuilt for {Key}: {Custom} custom conformance resources, {Ms} ms")]
    private static partial void LogSwapped(ILogger logger, string key, int custom, long ms);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "Schema {Url} does not compile: {Error}")]
    private static partial void LogCompileFailed(ILogger logger, string url, string error);
}