using FhirKetamine.Core.Search;

using Firely.Fhir.Validation;
using Firely.Fhir.Validation.Compilation;

using Hl7.Fhir.Model;
using Hl7.Fhir.Specification.Navigation;
using Hl7.Fhir.Support;

using Newtonsoft.Json.Linq;

namespace FhirKetamine.Core.Validation;

/// <summary>
/// <c>minValueQuantity</c>/<c>maxValueQuantity</c> across UCUM units: Firely compares a Quantity with its limit only
/// in the same unit (11000 g against a maximum of 0 kg passes). Compiled into each element that has such a limit, this
/// converts both to UCUM's canonical unit (the search index's <see cref="UcumCanonicalizer"/>, cached per code) when
/// the units differ and are commensurable; same-unit comparisons stay Firely's. Units UCUM cannot convert are left alone.
/// </summary>
internal sealed class UcumLimits(UcumCanonicalizer ucum) : ISchemaBuilder
{
    public IEnumerable<IAssertion> Build(ElementDefinitionNavigator nav, ElementConversionMode? conversionMode = ElementConversionMode.Full)
    {
        if (conversionMode == ElementConversionMode.ContentReference || nav.Current is not { } element)
        {
            yield break;
        }

        if (element.MinValue is Quantity { Value: not null, Code: not null } min && min.System == UcumCanonicalizer.System)
        {
            yield return new Limit(ucum, min, IsMin: true);
        }

        if (element.MaxValue is Quantity { Value: not null, Code: not null } max && max.System == UcumCanonicalizer.System)
        {
            yield return new Limit(ucum, max, IsMin: false);
        }
    }

    private sealed record Limit(UcumCanonicalizer Ucum, Quantity Bound, bool IsMin) : IValidatable
    {
        public ResultReport Validate(PocoNode input, ValidationSettings vc, ValidationState state)
        {
            if (input.Poco is not Quantity { Value: { } value, Comparator: null, Code: { } code } quantity
                || quantity.System != UcumCanonicalizer.System || code == Bound.Code
                || Ucum.Canonical(code) is not { } unit || Ucum.Canonical(Bound.Code!) is not { } boundUnit || unit.Code != boundUnit.Code)
            {
                return ResultReport.SUCCESS;
            }

            var scaled = unit.Scale(value);
            var limit = boundUnit.Scale(Bound.Value!.Value);
            if (IsMin ? scaled >= limit : scaled <= limit)
            {
                return ResultReport.SUCCESS;
            }

            var (issue, comparison, name) = IsMin
                ? (Issue.CONTENT_ELEMENT_PRIMITIVE_VALUE_TOO_SMALL, "less than", "minValue")
                : (Issue.CONTENT_ELEMENT_PRIMITIVE_VALUE_TOO_LARGE, "greater than", "maxValue");
            return new IssueAssertion(issue, $"The value in the instance ({value} {code}) is {comparison} the specified {name} ({Bound.Value} {Bound.Code}) after UCUM conversion")
                .AsResult(state, input);
        }

        public JToken ToJson() => new JProperty(IsMin ? "ucumMinValue" : "ucumMaxValue", $"{Bound.Value} {Bound.Code}");
    }
}
