namespace FhirKetamine.Core.Search;

/// <summary>
/// One <c>_include</c> or <c>_revinclude</c>: <c>SourceType:param[:TargetType]</c>, or <c>*</c> for every
/// reference parameter. <see cref="Parameters"/> holds the reference parameter it follows, or is empty for a
/// wildcard (every reference parameter); <see cref="SourceType"/> is null for a bare <c>*</c> (any type).
/// </summary>
public sealed record IncludeSpec(bool Reverse, string? SourceType, IReadOnlyList<string> Parameters, string? TargetType, bool Iterate, string Raw)
{
    public string LinkName => (Reverse ? "_revinclude" : "_include") + (Iterate ? ":iterate" : string.Empty);
}
