using System.Collections.Concurrent;
using System.Net;
using System.Runtime.CompilerServices;
using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Validation;
using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;
using Hl7.Fhir.Specification.Terminology;

namespace FhirKetamine.Core.Search;

/// <summary>The codes of the ValueSets a <c>:in</c>/<c>:not-in</c> clause names, by code system.</summary>
public sealed record ValueSetCodes(IReadOnlyDictionary<string, string[]> BySystem)
{
    public int Count => BySystem.Values.Sum(c => c.Length);
}

/// <summary>
/// Expands the ValueSets of token <c>:in</c> and <c>:not-in</c> clauses before a search is built: with the validator's
/// own terminology (core R4, the IG package, the ValueSets and CodeSystems posted through the API — the same expander
/// <c>ValueSet/$expand</c> answers from), so a search and an expansion never disagree. An expansion is kept per
/// validation context: posting or changing a ValueSet or CodeSystem swaps the context, and the next search expands
/// again. The query then matches the expansion's codes as one array parameter per code system.
/// </summary>
public sealed class SearchValueSets(ResourceValidator validator)
{
    /// <summary>The most codes a <c>:in</c> clause may expand to: the expander's own limit (beyond it: 400, too costly).</summary>
    public static readonly int MaxCodes = ValueSetExpanderSettings.CreateDefault().MaxExpansionSize;

    private readonly ConditionalWeakTable<ValidationContext, ConcurrentDictionary<string, Task<Result>>> _cache = new();

    /// <summary>Fills <see cref="SearchClause.ValueSet"/> of every <c>:in</c>/<c>:not-in</c> clause of the query, its chains, <c>_has</c> steps and scope filters.</summary>
    public async Task ResolveAsync(SearchQuery query, CancellationToken ct)
    {
        var clauses = Flatten(query.Clauses)
            .Concat(Flatten(Alternatives(query.Bounds).Concat(Alternatives(query.IncludeBounds)).SelectMany(a => a.Clauses)))
            .Where(c => c.Modifier is "in" or "not-in" && c.Parameter?.Type == SearchParamType.Token)
            .ToList();
        if (clauses.Count == 0)
        {
            return;
        }

        var context = await validator.ContextAsync(ct);
        var expansions = _cache.GetOrCreateValue(context);
        foreach (var clause in clauses)
        {
            var bySystem = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
            foreach (var value in clause.Values)
            {
                if (string.IsNullOrWhiteSpace(value))
                {
                    throw FhirException.BadRequest($"{clause.RawName} needs the URL of a ValueSet (or ValueSet/[id]).", clause.RawName);
                }

                var result = await expansions.GetOrAdd(value, v => ExpandAsync(context, v));
                if (result.Error is { } error)
                {
                    throw new FhirException(error.Status, error.Type, $"{clause.RawName}={value}: {error.Message}", clause.RawName);
                }

                foreach (var (system, codes) in result.Codes!.BySystem)
                {
                    if (!bySystem.TryGetValue(system, out var set))
                    {
                        bySystem[system] = set = new HashSet<string>(StringComparer.Ordinal);
                    }

                    set.UnionWith(codes);
                }
            }

            clause.ValueSet = new ValueSetCodes(bySystem.ToDictionary(kv => kv.Key, kv => kv.Value.Order(StringComparer.Ordinal).ToArray(), StringComparer.Ordinal));
        }
    }

    private static async Task<Result> ExpandAsync(ValidationContext context, string value)
    {
        var request = new ExpandParameters();
        if (context.Custom.TryGetValue(value, out var local) && local.Resource is ValueSet posted)
        {
            // ValueSet/[id]: one this server holds (posted through the API or from the IG).
            if (posted.Url is { } url)
            {
                request.Url = new FhirUri(url);
            }
            else
            {
                request.ValueSet = (ValueSet)posted.DeepCopy();
            }
        }
        else if (value.StartsWith("ValueSet/", StringComparison.Ordinal))
        {
            return Result.Fail(HttpStatusCode.BadRequest, OperationOutcome.IssueType.NotFound, $"this server holds no {value}.");
        }
        else
        {
            var bar = value.IndexOf('|', StringComparison.Ordinal);
            request.Url = new FhirUri(bar < 0 ? value : value[..bar]);
            if (bar >= 0)
            {
                request.ValueSetVersion = new FhirString(value[(bar + 1)..]);
            }
        }

        Resource expanded;
        try
        {
            expanded = await ((ITerminologyService)context.LocalTerminology).Expand(request);
        }
        catch (FhirOperationException e)
        {
            return e.Status switch
            {
                HttpStatusCode.NotFound => Result.Fail(HttpStatusCode.BadRequest, OperationOutcome.IssueType.NotFound, "the ValueSet is not known to this server."),
                _ when e.Message.Contains("maximum expansion size", StringComparison.OrdinalIgnoreCase) => Result.Fail(HttpStatusCode.BadRequest,
                    OperationOutcome.IssueType.TooCostly, $"the ValueSet has more than {MaxCodes} codes, the most a search expands; search by code instead."),
                _ => Result.Fail(HttpStatusCode.BadRequest, OperationOutcome.IssueType.NotSupported,
                    $"the ValueSet cannot be expanded on this server ({e.Message.Trim()}). LOINC, SNOMED CT, RxNorm and UCUM are known only where a ValueSet lists their codes."),
            };
        }

        var bySystem = Flatten(((ValueSet)expanded).Expansion?.Contains ?? [])
            .Where(c => !string.IsNullOrEmpty(c.Code))
            .GroupBy(c => c.System ?? string.Empty, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(c => c.Code!).Distinct(StringComparer.Ordinal).ToArray(), StringComparer.Ordinal);
        return new Result(new ValueSetCodes(bySystem), null);
    }

    private static IEnumerable<ValueSet.ContainsComponent> Flatten(IEnumerable<ValueSet.ContainsComponent> contains) =>
        contains.SelectMany(c => Flatten(c.Contains).Prepend(c));

    private static IEnumerable<SearchClause> Flatten(IEnumerable<SearchClause> clauses) =>
        clauses.SelectMany(c => (c.Chain?.Targets.Values ?? []).Concat(c.Has is { } has ? [has.Inner] : []) is var inner
            ? Flatten(inner).Prepend(c) : [c]);

    private static IEnumerable<AccessAlternative> Alternatives(AccessBounds? bounds) =>
        bounds is null ? [] : bounds.NamedTypes.SelectMany(t => bounds.For(t) ?? []).Concat(bounds.OtherTypes ?? []);

    private sealed record Result(ValueSetCodes? Codes, (HttpStatusCode Status, OperationOutcome.IssueType Type, string Message)? Error)
    {
        public static Result Fail(HttpStatusCode status, OperationOutcome.IssueType type, string message) => new(null, (status, type, message));
    }
}
