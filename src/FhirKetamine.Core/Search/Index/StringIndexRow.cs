namespace FhirKetamine.Core.Search.Index;

/// <summary>A string parameter value: Normalized is lower-cased and stripped of accents, for the default starts-with match; Exact keeps the original for :exact.</summary>
public sealed class StringIndexRow : IndexRow
{
    public required string Normalized { get; set; }

    public required string Exact { get; set; }
}
