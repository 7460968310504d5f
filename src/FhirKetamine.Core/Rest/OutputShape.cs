namespace FhirKetamine.Core.Rest;

/// <summary>How the client asked a resource to be written: format, <c>_pretty</c>, <c>_summary</c>, <c>_elements</c>.</summary>
public sealed record OutputShape(FhirFormat Format, bool Pretty = false, string? Summary = null, IReadOnlyList<string>? Elements = null)
{
    public static OutputShape Json { get; } = new(FhirFormat.Json);

    /// <summary>True when the stored JSON can be sent as it is.</summary>
    public bool IsPlainJson => Format == FhirFormat.Json && !Pretty && IsUnfiltered;

    public bool IsUnfiltered => (Summary is null or "false") && (Elements is null || Elements.Count == 0);
}
