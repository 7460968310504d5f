namespace FhirKetamine.Core.Search.Index;

/// <summary>A number parameter value, with the range implied by its precision.</summary>
public sealed class NumberIndexRow : IndexRow
{
    public double Value { get; set; }

    public double Low { get; set; }

    public double High { get; set; }
}
