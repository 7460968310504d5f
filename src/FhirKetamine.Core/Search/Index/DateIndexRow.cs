namespace FhirKetamine.Core.Search.Index;

/// <summary>A date parameter value as the UTC instant range it covers: a partial date such as 2026-03 covers the whole month.</summary>
public sealed class DateIndexRow : IndexRow
{
    public DateTime Start { get; set; }

    public DateTime End { get; set; }
}
