using Firely.Fhir.Validation;

namespace FhirKetamine.Core.Validation;

/// <summary>
/// How a slice's <c>value</c>/<c>pattern</c> discriminator tells an element in (profiling.html#discriminator: the slices
/// "have different values in the nominated element", tested against the slice's <c>fixed[x]</c>, <c>pattern[x]</c> or
/// required binding), as Java reads it and Firely does not in two cases:
/// <list type="bullet">
/// <item>The slice gives the nominated element such a value, and the element is absent: the element is not in the slice.
/// Firely checks a fixed value and a binding together (a group check), and a group check over no values passes, so a
/// reference range without <c>appliesTo</c> was taken for the slice that fixes <c>appliesTo</c>, and failed there.</item>
/// <item>The slice gives the nominated element no value (no fixed, pattern or required binding; a weaker binding of the
/// base does not tell slices apart): that discriminator does not restrict the slice; and a slice that forbids the element
/// (<c>max 0</c>) takes the elements without it. Firely demanded exactly one value there, so a slice that leaves
/// <c>appliesTo</c> open, or forbids <c>use</c>, matched nothing and every element meant for it was refused ("does not
/// match any slice").</item>
/// </list>
/// The first case holds for a <c>profile</c> discriminator too: an element that is absent conforms to no profile (a
/// category without <c>coding</c> was taken for the slice whose <c>coding</c> has a profile). Rewritten once, when a schema
/// is compiled (<see cref="LockingSchemaResolver"/>); the first case counts the values the selector has already selected.
/// </summary>
internal static class SliceConditions
{
    public static ElementSchema Rewrite(ElementSchema schema) => (ElementSchema)RewriteAny(schema);

    private static IAssertion RewriteAny(IAssertion assertion)
    {
        if (assertion is not IAssertionContainer container)
        {
            return assertion;
        }

        var rewritten = container.WithChildren((_, child) => RewriteAny(child));
        return rewritten is SliceValidator slicing
            ? new SliceValidator(slicing.Ordered, slicing.DefaultAtEnd, slicing.Default,
                slicing.Slices.Select(c => new SliceValidator.SliceCase(c.Name, Condition(RewriteAny(c.Condition), c.Assertion), c.Assertion, c.Required)), slicing.MultiCase)
            : rewritten;
    }

    /// <summary>
    /// The slice's condition with each selector read as Java reads it. A condition left with nothing that restricts (no
    /// discriminator has a value in this slice) stays as Firely built it: a slice that takes every element would swallow
    /// the elements meant for the slices after it.
    /// </summary>
    private static IAssertion Condition(IAssertion condition, IAssertion slice) => MapSelectors(condition, s => Selector(s, slice));

    /// <summary>
    /// A slice condition — one discriminator's selector, or all of them — with each selector mapped (null: left out); the
    /// condition itself when it has no selector or every one is left out.
    /// </summary>
    internal static IAssertion MapSelectors(IAssertion condition, Func<PathSelectorValidator, IAssertion?> map)
    {
        var members = condition switch
        {
            PathSelectorValidator selector => [selector],
            AllValidator all => all.Members.ToList(),
            _ => [],
        };
        if (!members.Any(m => m is PathSelectorValidator))
        {
            return condition;
        }

        var mapped = members.Select(m => m is PathSelectorValidator s ? map(s) : m).OfType<IAssertion>().ToList();
        return mapped.Count == 0 ? condition
            : condition is AllValidator original ? new AllValidator(mapped, original.ShortcircuitEvaluation)
            : mapped[0];
    }

    /// <summary>The selector as Java reads it: null when it does not restrict the slice.</summary>
    private static IAssertion? Selector(PathSelectorValidator selector, IAssertion slice)
    {
        var members = selector.Other is AllValidator all ? all.Members.ToList() : [selector.Other];
        if (members.All(m => m is SchemaReferenceValidator))
        {
            // A profile discriminator: an element that is absent conforms to no profile.
            return selector.Other is IGroupValidatable profiles ? new PathSelectorValidator(selector.Path, new Present(profiles)) : selector;
        }

        if (!members.All(m => m is FixedValidator or PatternValidator or BindingValidator))
        {
            return selector; // a type or exists discriminator
        }

        if (Forbids(slice, selector.Path))
        {
            return new PathSelectorValidator(selector.Path, new Absent());
        }

        if (!members.Any(m => m is FixedValidator or PatternValidator || m is BindingValidator { Strength: BindingValidator.BindingStrength.Required }))
        {
            return null;
        }

        return selector.Other is IGroupValidatable group ? new PathSelectorValidator(selector.Path, new Present(group)) : selector;
    }

    /// <summary>Whether the slice's own definition has <c>max 0</c> for its child <paramref name="path"/> (a simple name).</summary>
    private static bool Forbids(IAssertion slice, string path) =>
        slice is ElementSchema schema
        && Members(schema).OfType<ChildrenValidator>().Any(children => children.TryGetValue(path, out var child)
            && child is ElementSchema element && Members(element).OfType<CardinalityValidator>().Any(c => c.Max == 0));

    private static IEnumerable<IAssertion> Members(ElementSchema schema) => ((IAssertionContainer)schema).Children().Select(c => c.Child);

    /// <summary>A slice's "no value here": passes when the discriminator selects nothing.</summary>
    private sealed class Absent : IGroupValidatable
    {
        public ResultReport Validate(IEnumerable<Hl7.Fhir.Model.PocoNode> input, ValidationSettings vc, ValidationState state) =>
            input.Any() ? ResultReport.FAILURE : ResultReport.SUCCESS;

        public ResultReport Validate(Hl7.Fhir.Model.PocoNode input, ValidationSettings vc, ValidationState state) => ResultReport.FAILURE;

        public Newtonsoft.Json.Linq.JToken ToJson() => new Newtonsoft.Json.Linq.JProperty("absent", true);
    }

    /// <summary>The group check of a slice's value, failing (not passing vacuously) when the discriminator selects nothing.</summary>
    private sealed class Present(IGroupValidatable inner) : IGroupValidatable
    {
        public ResultReport Validate(IEnumerable<Hl7.Fhir.Model.PocoNode> input, ValidationSettings vc, ValidationState state)
        {
            var values = input as IReadOnlyCollection<Hl7.Fhir.Model.PocoNode> ?? input.ToList();
            return values.Count == 0 ? ResultReport.FAILURE : inner.Validate(values, vc, state);
        }

        public ResultReport Validate(Hl7.Fhir.Model.PocoNode input, ValidationSettings vc, ValidationState state) => ((IValidatable)inner).Validate(input, vc, state);

        public Newtonsoft.Json.Linq.JToken ToJson() => new Newtonsoft.Json.Linq.JProperty("present", new Newtonsoft.Json.Linq.JObject(inner.ToJson()));
    }
}
