using Firely.Fhir.Validation;
using Firely.Fhir.Validation.Compilation;

using Hl7.Fhir.Model;
using Hl7.Fhir.Specification.Navigation;
using Hl7.Fhir.Support;

using Newtonsoft.Json.Linq;

namespace FhirKetamine.Core.Validation;

/// <summary>
/// Rules an R4 StructureDefinition states that Firely's schema compiler leaves out, compiled into the schema of the
/// element that states them (so nothing runs for an element or resource that has none):
/// <list type="bullet">
/// <item>the <c>minLength</c> extension on an ElementDefinition (R4 core extension
/// <c>http://hl7.org/fhir/StructureDefinition/minLength</c>: the least number of characters of a primitive value);</item>
/// <item>a complex extension's sub-extensions: one with a relative <c>url</c> must be one the extension defines
/// (extensibility.html: the parts of a complex extension are identified by the urls its definition fixes). Firely only
/// checks this when the definition closes the slicing; an open <c>Extension.extension</c> slicing (core's default) lets
/// any relative url through, where the HL7 validator reports it;</item>
/// <item>R5's <c>mustHaveValue</c> and <c>valueAlternatives</c> where a profile states them with the official R4 cross-version
/// extensions (extension-ElementDefinition.mustHaveValue / .valueAlternatives): a primitive without a value is an error,
/// unless one of the named alternative extensions stands in for it.</item>
/// </list>
/// </summary>
internal sealed class DefinitionRules : ISchemaBuilder
{
    public const string MinLengthUrl = "http://hl7.org/fhir/StructureDefinition/minLength";

    /// <summary>R5's <c>ElementDefinition.mustHaveValue</c> as R4 carries it (the official cross-version extension).</summary>
    public const string MustHaveValueUrl = "http://hl7.org/fhir/5.0/StructureDefinition/extension-ElementDefinition.mustHaveValue";

    /// <summary>R5's <c>ElementDefinition.valueAlternatives</c> as R4 carries it.</summary>
    public const string ValueAlternativesUrl = "http://hl7.org/fhir/5.0/StructureDefinition/extension-ElementDefinition.valueAlternatives";

    public IEnumerable<IAssertion> Build(ElementDefinitionNavigator nav, ElementConversionMode? conversionMode = ElementConversionMode.Full)
    {
        if (conversionMode == ElementConversionMode.ContentReference || nav.Current is not { } element)
        {
            yield break;
        }

        if (element.GetIntegerExtension(MinLengthUrl) is { } minLength and > 0)
        {
            yield return new MinLength(minLength);
        }

        if (element.GetBoolExtension(MustHaveValueUrl) == true)
        {
            yield return new ValueRequired(nav.StructureDefinition?.Url, element.Path ?? string.Empty, []);
        }
        else if (element.Extension.Where(e => e.Url == ValueAlternativesUrl).Select(e => e.Value).OfType<Hl7.Fhir.Model.Canonical>().Select(c => c.Value).OfType<string>().ToArray() is { Length: > 0 } alternatives)
        {
            yield return new ValueRequired(nav.StructureDefinition?.Url, element.Path ?? string.Empty, alternatives);
        }

        if (element.Path == "Extension" && nav.StructureDefinition?.Type == "Extension" && SubExtensions.Of(nav.Elements) is { } subExtensions)
        {
            yield return subExtensions;
        }
    }

    private sealed record MinLength(int Length) : IValidatable
    {
        public ResultReport Validate(PocoNode input, ValidationSettings vc, ValidationState state)
        {
            // JsonValue: the value as JSON has it; a string for every string-like type (base64Binary: its encoded characters, as the
            // extension's comment counts them), a number or boolean (which have no length) otherwise.
            if (input.Poco is not PrimitiveType { JsonValue: string text } || text.Length >= Length)
            {
                return ResultReport.SUCCESS;
            }

            return new IssueAssertion(Issue.CONTENT_ELEMENT_INVALID_PRIMITIVE_VALUE, $"Value '{text}' is shorter than permitted minimum length of {Length}")
                .AsResult(state, input);
        }

        public JToken ToJson() => new JProperty("minLength", Length);
    }

    /// <summary>
    /// A primitive present without a value (only extensions) where the profile says it must have one (<c>mustHaveValue</c>),
    /// or where it names the extensions that may stand in for the value (<c>valueAlternatives</c>) and none of them is there.
    /// </summary>
    private sealed record ValueRequired(string? Profile, string Path, string[] Alternatives) : IValidatable
    {
        public ResultReport Validate(PocoNode input, ValidationSettings vc, ValidationState state)
        {
            if (input.Poco is not PrimitiveType { JsonValue: null } primitive
                || (Alternatives.Length > 0 && primitive.Extension.Any(e => Alternatives.Contains(e.Url, StringComparer.Ordinal))))
            {
                return ResultReport.SUCCESS;
            }

            var message = Alternatives.Length == 0
                ? $"The element definition '{Path}' in the profile '{Profile}' requires that a value be present in this element"
                : $"The element definition '{Path}' in the profile '{Profile}' requires that if a value is not present, one of the extensions {string.Join(", ", Alternatives.Select(a => $"'{a}'"))} be present";
            return new IssueAssertion(Issue.CONTENT_ELEMENT_INVALID_PRIMITIVE_VALUE, message).AsResult(state, input);
        }

        public JToken ToJson() => new JProperty("valueRequired", new JArray(Alternatives));
    }

    /// <summary>The relative sub-extension urls a complex extension defines, when its <c>Extension.extension</c> slicing is open.</summary>
    private sealed record SubExtensions(string Extension, IReadOnlySet<string> Urls) : IValidatable
    {
        public static SubExtensions? Of(IList<ElementDefinition> elements)
        {
            var slicing = elements.FirstOrDefault(e => e.Path == "Extension.extension" && e.SliceName is null)?.Slicing;
            if (slicing is null || slicing.Rules == ElementDefinition.SlicingRules.Closed)
            {
                return null; // not sliced (a simple extension: its extension is max 0), or Firely's closed slicing reports it
            }

            var urls = elements.Where(e => e.Path == "Extension.extension.url").Select(FixedUrl).OfType<string>().ToHashSet(StringComparer.Ordinal);
            var extension = elements.FirstOrDefault(e => e.Path == "Extension.url") is { } own ? FixedUrl(own) : null;
            return urls.Count == 0 ? null : new SubExtensions(extension ?? "(this extension)", urls);
        }

        private static string? FixedUrl(ElementDefinition element) => element.Fixed switch { FhirUri uri => uri.Value, FhirUrl url => url.Value, _ => null };

        public ResultReport Validate(PocoNode input, ValidationSettings vc, ValidationState state)
        {
            if (input.Poco is not Extension { Extension.Count: > 0 } extension)
            {
                return ResultReport.SUCCESS;
            }

            List<ResultReport>? issues = null;
            foreach (var part in extension.Extension)
            {
                if (part.Url is { Length: > 0 } url && !BundleReferences.HasScheme(url) && !Urls.Contains(url))
                {
                    (issues ??= []).Add(new IssueAssertion(Issue.CONTENT_ELEMENT_HAS_UNKNOWN_CHILDREN,
                        $"Sub-extension url '{url}' is not defined by the Extension {Extension}").AsResult(state, input));
                }
            }

            return issues is null ? ResultReport.SUCCESS : ResultReport.Combine(issues);
        }

        public JToken ToJson() => new JProperty("subExtensions", new JArray(Urls.Order(StringComparer.Ordinal)));
    }
}
