namespace FhirKetamine.Core.Search.Index;

/// <summary>
/// A quantity parameter value with its unit system and code; Low and High hold the range implied by the value's precision.
/// For a UCUM quantity whose code converts (<see cref="UcumCanonicalizer"/>), the Canonical columns hold the same in base
/// units (5.4 kg: g, 5400, [5350, 5450)), so a search in any commensurable unit compares them; null otherwise, and on
/// rows written before they existed until <c>$reindex</c> rewrites them.
/// </summary>
public sealed class QuantityIndexRow : IndexRow, ICanonicalQuantity
{
    public required string System { get; set; }

    public required string Code { get; set; }

    public double Value { get; set; }

    public double Low { get; set; }

    public double High { get; set; }

    public string? CanonicalCode { get; set; }

    public double? CanonicalValue { get; set; }

    public double? CanonicalLow { get; set; }

    public double? CanonicalHigh { get; set; }
}
