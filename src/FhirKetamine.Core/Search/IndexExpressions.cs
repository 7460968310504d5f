using System.Collections.Concurrent;
using System.Text.RegularExpressions;

using Hl7.Fhir.FhirPath;
using Hl7.Fhir.Model;
using Hl7.FhirPath;

namespace FhirKetamine.Core.Search;

/// <summary>
/// Evaluates search parameters' FHIRPath expressions on one resource for the indexer, selecting exactly what Firely's
/// <c>Base.Select(expression)</c> selects (SearchIndexerEvaluationTests checks every parameter on ~400 varied resources),
/// at a fraction of the allocations. Indexing a heart rate, its Provenance and its AuditEvent evaluates ~80 expressions
/// per stored reading; through <c>Base.Select</c> each cost a lookup in Firely's bounded expression cache, a new element
/// tree over the resource and 3.5–12 KB of evaluator allocations, even for <c>AuditEvent.recorded</c>
/// (bench/README.md, "Write path allocations").
/// <list type="bullet">
/// <item>A plain member path (<c>Observation.code</c>, <c>AuditEvent.agent.who</c>: the resource type, then element
/// names; the type alone for composites on the resource) — most parameters —, one filtered by type
/// (<c>(Observation.value as Quantity)</c>, R4's way to pick a choice element's type, possibly followed by names) and
/// unions of those are followed through the POCOs' own element access (<see cref="Base.TryGetValue"/>, which Firely's
/// element tree reads too), allocating little more than the result list. So are composites' relative component paths
/// (<c>code</c>, <c>value.as(Quantity) | value.as(Range)</c>: <see cref="SelectIn"/>).</item>
/// <item>Anything else (functions: <c>where</c>, <c>extension</c>, <c>exists</c>…) goes to Firely's evaluator, compiled once
/// per process and run on one element tree per resource; an <c>(path as Type)</c> inside is compiled as
/// <c>path.ofType(Type)</c>, which Firely evaluates the same way without its dynamic operator dispatch.</item>
/// </list>
/// Not thread-safe (one per resource); the compiled expressions are shared.
/// </summary>
internal sealed partial class IndexExpressions(Resource resource)
{
    private static readonly FhirPathCompiler Compiler = new();
    private static readonly ConcurrentDictionary<string, Func<IndexExpressions, List<Base>>> Compiled = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, Func<Base, List<Base>>> CompiledRelative = new(StringComparer.Ordinal);

    private readonly Resource _resource = resource;
    private PocoNode? _root;
    private FhirEvaluationContext? _context;

    /// <summary>The elements <paramref name="expression"/> selects in the resource (no nulls).</summary>
    public List<Base> Select(string expression) => Compiled.GetOrAdd(expression, Compile)(this);

    /// <summary>
    /// The elements a composite parameter's component expression selects from one element its expression selected (the
    /// Observation, one component): a relative path (<c>code</c>, <c>value.as(Quantity) | value.as(Range)</c>) — all but two
    /// of R4's — is followed through the POCOs; anything else is Firely's <c>Base.Select</c> on that element.
    /// </summary>
    public static List<Base> SelectIn(Base focus, string expression) => CompiledRelative.GetOrAdd(expression, CompileRelative)(focus);

    private static Func<IndexExpressions, List<Base>> Compile(string expression)
    {
        if (Paths(expression, Part) is { } paths)
        {
            return e => paths(e._resource);
        }

        var compiled = Compiler.Compile(TypeFilters().Replace(expression, "$1.ofType($2)"));
        return e => compiled(e._root ??= e._resource.ToPocoNode(), e._context ??= new FhirEvaluationContext())
            .Select(node => node.Poco).OfType<Base>().ToList();
    }

    private static Func<Base, List<Base>> CompileRelative(string expression) =>
        Paths(expression, RelativePart) ?? (focus => focus.Select(expression).OfType<Base>().ToList());

    /// <summary>
    /// The expression followed through the POCOs when <paramref name="part"/> reads every operand of its union; null otherwise.
    /// A union (<c>Observation.code | Observation.component.code</c>) leaves out a value equal to one before it, as FHIRPath's <c>|</c>.
    /// </summary>
    private static Func<Base, List<Base>>? Paths(string expression, Func<string, Func<Base, IEnumerable<Base>>?> part)
    {
        var parts = expression.Split(" | ").Select(part).ToArray();
        if (parts.Any(p => p is null))
        {
            return null;
        }

        return parts.Length == 1 ? focus => parts[0]!(focus).ToList() : focus => Union(parts.SelectMany(p => p!(focus)));
    }

    /// <summary>
    /// One operand of a union that needs no evaluator, from the resource: a plain member path (or the resource type alone), or
    /// one in parentheses filtered by a type (<c>(Observation.value as Quantity)</c>: the values that are of that type or derive
    /// from it, as Firely's <c>as</c> and <c>ofType</c> select them), possibly with element names after it. Null for anything else.
    /// </summary>
    private static Func<Base, IEnumerable<Base>>? Part(string part)
    {
        if (PlainPath().IsMatch(part))
        {
            var steps = part.Split('.');
            return root => FromResource(root, steps);
        }

        var filtered = TypeFilter().Match(part);
        if (filtered.Success && ModelInfo.ModelInspector.FindClassMapping(filtered.Groups[2].Value)?.NativeType is { } type)
        {
            var steps = filtered.Groups[1].Value.Split('.');
            if (filtered.Groups[3].Value is { Length: > 0 } tail)
            {
                // ((Observation.value as CodeableConcept).text): then on from each value of that type.
                var more = tail[1..].Split('.');
                return root => FromResource(root, steps).Where(type.IsInstanceOfType).SelectMany(value => Follow(value, more, 0));
            }

            return root => FromResource(root, steps).Where(type.IsInstanceOfType);
        }

        return null;
    }

    /// <summary>A relative member path, or one ending in <c>.as(Type)</c> (for a single value, as Firely evaluates it, its value if of that type).</summary>
    private static Func<Base, IEnumerable<Base>>? RelativePart(string part)
    {
        if (RelativePath().IsMatch(part))
        {
            var steps = part.Split('.');
            return focus => Follow(focus, steps, 0);
        }

        var filtered = RelativeAsType().Match(part);
        if (filtered.Success && ModelInfo.ModelInspector.FindClassMapping(filtered.Groups[2].Value)?.NativeType is { } type)
        {
            var steps = filtered.Groups[1].Value.Split('.');
            return focus => Follow(focus, steps, 0).Where(type.IsInstanceOfType);
        }

        return null;
    }

    /// <summary><c>Type.a.b</c> from the resource: nothing unless it is of that type; then each named child of each node in turn.</summary>
    private static List<Base> FromResource(Base resource, string[] steps) =>
        resource is Resource { TypeName: var type } && steps[0] == type ? Follow(resource, steps, 1) : [];

    /// <summary>From <paramref name="focus"/>, each child named <c>steps[from]</c>, then each of theirs named by the next step…</summary>
    private static List<Base> Follow(Base focus, string[] steps, int from)
    {
        var current = new List<Base> { focus };
        for (var i = from; i < steps.Length && current.Count > 0; i++)
        {
            var next = new List<Base>();
            foreach (var node in current)
            {
                if (!node.TryGetValue(steps[i], out var value))
                {
                    continue;
                }

                if (value is Base single)
                {
                    next.Add(single);
                }
                else if (value is IEnumerable<Base> many)
                {
                    next.AddRange(many.Where(item => item is not null));
                }
            }

            current = next;
        }

        return current;
    }

    private static List<Base> Union(IEnumerable<Base> values)
    {
        var union = new List<Base>();
        foreach (var value in values)
        {
            if (!union.Exists(seen => ReferenceEquals(seen, value) || seen.IsExactly(value)))
            {
                union.Add(value);
            }
        }

        return union;
    }

    /// <summary>A resource type, then element names: <c>Observation.component.code</c>.</summary>
    private const string MemberPath = @"[A-Z][A-Za-z0-9]*(?:\.[a-z][A-Za-z0-9]*)+";

    /// <summary>R4's type filter on such a path: <c>(Observation.value as Quantity)</c>; groups: the path, the type.</summary>
    private const string PathAsType = @"\((" + MemberPath + @") as ([A-Za-z][A-Za-z0-9]*)\)";

    /// <summary>Element names only, relative to a focus: <c>code</c>, <c>value</c>, <c>referenceSeq.chromosome</c>.</summary>
    private const string RelativeMemberPath = @"[a-z][A-Za-z0-9]*(?:\.[a-z][A-Za-z0-9]*)*";

    /// <summary>A plain path, or the resource type alone (<c>Observation</c>: the resource, as composites on it name it).</summary>
    [GeneratedRegex(@"^[A-Z][A-Za-z0-9]*(?:\.[a-z][A-Za-z0-9]*)*$")]
    private static partial Regex PlainPath();

    [GeneratedRegex("^" + RelativeMemberPath + "$")]
    private static partial Regex RelativePath();

    /// <summary><c>value.as(Quantity)</c>; groups: the path, the type.</summary>
    [GeneratedRegex("^(" + RelativeMemberPath + @")\.as\(([A-Za-z][A-Za-z0-9]*)\)$")]
    private static partial Regex RelativeAsType();

    /// <summary>The same, possibly followed by element names (<c>(Observation.value as CodeableConcept).text</c>): group 3.</summary>
    [GeneratedRegex("^" + PathAsType + @"((?:\.[a-z][A-Za-z0-9]*)*)$")]
    private static partial Regex TypeFilter();

    /// <summary>The same, anywhere in a larger expression (rewritten to <c>ofType</c> for Firely's evaluator).</summary>
    [GeneratedRegex(PathAsType)]
    private static partial Regex TypeFilters();
}
