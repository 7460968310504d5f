using FhirKetamine.Core.Search;
using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Tests.Search;

/// <summary>UCUM codes in base units (Fhir.Metrics), and the canonical columns the indexer fills from them.</summary>
public sealed class UcumCanonicalizerTests
{
    private static readonly UcumCanonicalizer Ucum = new();

    [Theory]
    [InlineData("g", "g", "1")]
    [InlineData("kg", "g", "1000")]
    [InlineData("mg", "g", "0.001")]
    [InlineData("mm[Hg]", "g.m-1.s-2", "133322")]
    [InlineData("kPa", "g.m-1.s-2", "1000000")]
    [InlineData("mg/dL", "g.m-3", "10")]
    [InlineData("/min", "s-1", "0.0166666666666667")]
    [InlineData("{beats}/min", "s-1", "0.0166666666666667")] // an annotation is the unit 1, not a dimension of its own
    [InlineData("%", "1", "0.01")]
    [InlineData("[lb_av]", "g", "453.59237")]
    public void A_UCUM_code_converts_to_its_base_units(string code, string canonicalCode, string factor)
    {
        var unit = Ucum.Canonical(code);

        Assert.NotNull(unit);
        Assert.Equal(canonicalCode, unit.Code);
        Assert.Equal(decimal.Parse(factor, System.Globalization.CultureInfo.InvariantCulture), unit.Factor);
    }

    [Theory]
    [InlineData("Cel")] // special: an offset, not a factor
    [InlineData("[degF]")]
    [InlineData("[pH]")]
    [InlineData("[iU]")] // arbitrary: UCUM makes it commensurable with nothing
    [InlineData("[IU]/L")]
    [InlineData("[arb'U]")]
    [InlineData("bogus")]
    [InlineData("KG")]
    [InlineData("k g")]
    [InlineData("")]
    [InlineData("((")]
    public void A_code_without_a_linear_conversion_has_no_canonical_unit(string code) => Assert.Null(Ucum.Canonical(code));

    [Theory]
    [InlineData("kg", "5.4", 5400d)]
    [InlineData("/min", "60", 1d)] // 60 × 0.0166666666666667 is 1.000000000000002 before rounding to 12 digits
    [InlineData("mm[Hg]", "120", 15998640d)]
    [InlineData("mol", "1000000", 6.0221367e29)] // past decimal's range: multiplied as doubles
    public void Scale_converts_a_value_and_rounds_away_the_factors_error(string code, string value, double expected)
    {
        var unit = Ucum.Canonical(code)!;

        Assert.Equal(expected, unit.Scale(decimal.Parse(value, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void Parallel_callers_get_the_same_units()
    {
        string[] codes = ["kg", "mm[Hg]", "kPa", "mg/dL", "10*3/uL", "mmol/L", "[in_i]", "h", "Cel", "[iU]", "cm[H2O]", "ng/mL"];
        var fresh = new UcumCanonicalizer();

        var results = Enumerable.Range(0, 48).AsParallel().Select(i => (Code: codes[i % codes.Length], Unit: fresh.Canonical(codes[i % codes.Length]))).ToList();

        foreach (var (code, unit) in results)
        {
            Assert.Equal(Ucum.Canonical(code), unit);
        }
    }

    [Fact]
    public void The_indexer_stores_a_UCUM_quantity_and_its_precision_range_in_base_units()
    {
        var indexer = new SearchIndexer(new SearchParameterRegistry(), Ucum);
        var observation = new Observation
        {
            Status = ObservationStatus.Final,
            Code = new CodeableConcept("http://loinc.org", "3141-9"),
            Value = new Quantity { Value = 5.4m, System = UcumCanonicalizer.System, Code = "kg", Unit = "kilogram" },
        };

        var row = Assert.Single(indexer.Extract(observation).Quantities, q => q.ParamName == "value-quantity");

        Assert.Equal(("kg", 5.4, 5.35, 5.45), (row.Code, row.Value, row.Low, row.High));
        Assert.Equal<(string?, double?, double?, double?)>(("g", 5400, 5350, 5450), (row.CanonicalCode, row.CanonicalValue, row.CanonicalLow, row.CanonicalHigh));
    }

    [Theory]
    [InlineData("http://example.org/other-units", "kg", null)] // not UCUM: its codes may mean anything
    [InlineData(UcumCanonicalizer.System, null, "kg")] // Quantity.unit is display text, not a code
    [InlineData(UcumCanonicalizer.System, "Cel", null)]
    public void Other_quantities_get_no_canonical_columns(string system, string? code, string? unit)
    {
        var indexer = new SearchIndexer(new SearchParameterRegistry(), Ucum);
        var observation = new Observation
        {
            Status = ObservationStatus.Final,
            Code = new CodeableConcept("http://loinc.org", "3141-9"),
            Value = new Quantity { Value = 6, System = system, Code = code, Unit = unit },
        };

        var row = Assert.Single(indexer.Extract(observation).Quantities, q => q.ParamName == "value-quantity");

        Assert.Null(row.CanonicalCode);
        Assert.Null(row.CanonicalValue);
        Assert.Null(row.CanonicalLow);
        Assert.Null(row.CanonicalHigh);
    }

    [Fact]
    public void A_composite_row_carries_its_quantity_in_base_units()
    {
        var indexer = new SearchIndexer(new SearchParameterRegistry(), Ucum);
        var observation = new Observation
        {
            Status = ObservationStatus.Final,
            Code = new CodeableConcept("http://loinc.org", "55284-4"),
            Component =
            [
                new Observation.ComponentComponent
                {
                    Code = new CodeableConcept("http://loinc.org", "8480-6"),
                    Value = new Quantity { Value = 150, System = UcumCanonicalizer.System, Code = "mm[Hg]" },
                },
            ],
        };

        var row = Assert.Single(indexer.Extract(observation).TokenQuantities, r => r.ParamName == "component-code-value-quantity");

        Assert.Equal<(string?, double?)>(("g.m-1.s-2", 19998300), (row.CanonicalCode, row.CanonicalValue));
    }
}
