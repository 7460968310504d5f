namespace FhirKetamine.Core.Search.Index;

/// <summary>
/// A composite parameter value whose first component is a token and whose second is a token, a string or a date
/// (<c>code-value-concept</c>, <c>code-value-string</c>, <c>code-value-date</c>, <c>component-code-value-concept</c>,
/// <c>context-type-value</c>, …), both taken from the same element, so a search pairs a code
/// with the value that belongs to it. One row per coding × value; only the columns of the second component's type are set.
/// Token$quantity composites have their own table (<see cref="TokenQuantityIndexRow"/>: unit conversion).
/// </summary>
public sealed class CompositeIndexRow : IndexRow
{
    /// <summary>The first component (a token): system (empty when none) and code.</summary>
    public required string System { get; set; }

    public required string Code { get; set; }

    /// <summary>A token second component: system (empty when none) and code.</summary>
    public string? ValueSystem { get; set; }

    public string? ValueCode { get; set; }

    /// <summary>A string second component, normalised as in <see cref="StringIndexRow.Normalized"/>.</summary>
    public string? ValueText { get; set; }

    /// <summary>A date second component as its UTC range [Start, End), as in <see cref="DateIndexRow"/>.</summary>
    public DateTime? Start { get; set; }

    public DateTime? End { get; set; }
}
