namespace FhirKetamine.Core.Search.Index;

/// <summary>A token parameter value: system and code (either may be empty, never null, so equality works on every provider), and display text for :text.</summary>
public sealed class TokenIndexRow : IndexRow
{
    public required string System { get; set; }

    public required string Code { get; set; }

    public string? Text { get; set; }
}
