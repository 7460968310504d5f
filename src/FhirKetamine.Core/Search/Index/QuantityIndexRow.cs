namespace FhirKetamine.Core.Search.Index;

/// <summary>A quantity parameter value with its unit system and code; Low and High hold the range implied by the value's precision.</summary>
public sealed class QuantityIndexRow : IndexRow
{
    public required string System { get; set; }

    public required string Code { get; set; }

    public double Value { get; set; }

    public double Low { get; set; }

    public double High { get; set; }
}
