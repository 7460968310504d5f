using System.Linq.Expressions;
using System.Reflection;

using Firely.Fhir.Validation;

using Hl7.Fhir.Model;

using Expression = System.Linq.Expressions.Expression;
using Hl7.FhirPath;

using Newtonsoft.Json.Linq;

namespace FhirKetamine.Core.Validation;

/// <summary>
/// Compiles each slice discriminator's FHIRPath once per process instead of once per validation. Firely's
/// <see cref="PathSelectorValidator"/> (the discriminator of a slice: <c>code</c>, <c>coding</c>, <c>url</c>…) compiles its
/// path through a cache that lives in the validation run's state, so every validation parses every discriminator path
/// of the profiles in play again; under <c>perf</c> that parse (Firely's Sprache-based FHIRPath parser) was ~28 % of
/// the validator's time on the IG's vital signs. Each selector in a compiled schema is wrapped (<see cref="Rewrite"/>, once,
/// when the schema enters the shared cache) so that a run's cache is this process-wide one before the selector runs:
/// the same compiler (<see cref="FhirPathValidator.DefaultCompiler"/>, which every validation here is given) and the
/// same paths give the same compiled expressions; the cache is a <c>ConcurrentDictionary</c> and the validator's own
/// invariants already share their compiled expressions across threads.
/// <para>
/// The run's cache is an internal property of Firely's state, set through a delegate compiled once. Should a later
/// Firely version rename it, <see cref="Rewrite"/> leaves the selectors as they are (the validator then works as before,
/// only slower) and says so in <see cref="Available"/>.
/// </para>
/// </summary>
internal static class SharedSliceSelectors
{
    /// <summary>Larger than Firely's default 500: the core specification's and the IG's discriminator paths, with room.</summary>
    private static readonly FhirPathCompilerCache Cache = new(FhirPathValidator.DefaultCompiler, cacheSize: 20_000);

    private static readonly Action<ValidationState, FhirPathCompilerCache>? UseCache = BuildSetter();

    /// <summary>False when this Firely version's state has no run cache to set (then nothing is wrapped).</summary>
    public static bool Available => UseCache is not null;

    /// <summary><paramref name="schema"/> with every slice selector in it run with the shared cache (as it is if that is not <see cref="Available"/>).</summary>
    public static ElementSchema Rewrite(ElementSchema schema) => UseCache is null ? schema : (ElementSchema)RewriteAny(schema);

    private static IAssertion RewriteAny(IAssertion assertion)
    {
        if (assertion is Shared or not IAssertionContainer)
        {
            return assertion;
        }

        var rewritten = ((IAssertionContainer)assertion).WithChildren((_, child) => RewriteAny(child));
        return rewritten switch
        {
            PathSelectorValidator selector => new Shared(selector),
            // A slice's discriminator (its condition) is not among the children a rewrite visits: the slicing is built anew.
            SliceValidator slicing => new SliceValidator(slicing.Ordered, slicing.DefaultAtEnd, slicing.Default,
                slicing.Slices.Select(c => new SliceValidator.SliceCase(c.Name, RewriteAny(c.Condition), c.Assertion, c.Required)), slicing.MultiCase),
            _ => rewritten,
        };
    }

    /// <summary>state.Global.FPCompilerCache ??= cache, for Firely.Fhir.Validation 3.x (both members internal).</summary>
    private static Action<ValidationState, FhirPathCompilerCache>? BuildSetter()
    {
        const BindingFlags Members = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
        var global = typeof(ValidationState).GetProperty("Global", Members);
        var cache = global?.PropertyType.GetProperty("FPCompilerCache", Members);
        if (global?.GetMethod is null || cache is not { CanWrite: true } || cache.PropertyType != typeof(FhirPathCompilerCache))
        {
            return null;
        }

        var state = Expression.Parameter(typeof(ValidationState), "state");
        var shared = Expression.Parameter(typeof(FhirPathCompilerCache), "shared");
        var property = Expression.Property(Expression.Property(state, global), cache);
        var body = Expression.IfThen(Expression.Equal(property, Expression.Constant(null, typeof(FhirPathCompilerCache))), Expression.Assign(property, shared));
        return Expression.Lambda<Action<ValidationState, FhirPathCompilerCache>>(body, state, shared).Compile();
    }

    /// <summary>The selector, run with the process-wide cache; a container like it, so rewrites and walks reach what it holds.</summary>
    private sealed class Shared(PathSelectorValidator inner) : IValidatable, IAssertionContainer
    {
        public ResultReport Validate(PocoNode input, ValidationSettings vc, ValidationState state)
        {
            UseCache!(state, Cache);
            return ((IValidatable)inner).Validate(input, vc, state);
        }

        public IAssertion WithChildren(Func<AssertionStep, IAssertion, IAssertion> transform) =>
            ((IAssertionContainer)inner).WithChildren(transform) switch
            {
                PathSelectorValidator same when ReferenceEquals(same, inner) => this,
                PathSelectorValidator changed => new Shared(changed),
                var other => other,
            };

        public JToken ToJson() => inner.ToJson();
    }
}
