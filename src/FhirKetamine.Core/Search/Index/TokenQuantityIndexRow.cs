namespace FhirKetamine.Core.Search.Index;

/// <summary>
/// A composite (token$quantity) parameter value: a code and a quantity taken from the same element — the Observation
/// itself for <c>code-value-quantity</c>, one component for <c>component-code-value-quantity</c> — so a search pairs
/// a code with the value that belongs to it, never with another component's value. One row per coding × quantity.
/// </summary>
public sealed class TokenQuantityIndexRow : IndexRow, ICanonicalQuantity
{
    public required string System { get; set; }

    public required string Code { get; set; }

    public required string QuantitySystem { get; set; }

    public required string QuantityCode { get; set; }

    public double Value { get; set; }

    /// <summary>The quantity in UCUM base units, as on <see cref="QuantityIndexRow.CanonicalCode"/>; null when it does not convert.</summary>
    public string? CanonicalCode { get; set; }

    public double? CanonicalValue { get; set; }
}
